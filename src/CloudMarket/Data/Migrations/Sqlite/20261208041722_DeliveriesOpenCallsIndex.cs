using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// The webhook calls' own open rows, in the deliveries claim's order: while the mails in flight are at their cap the
    /// claim leaves them out, and on the index of every open delivery it read past each waiting mail to reach the calls
    /// (docs/performance.md, point 54; <c>OpenQueuePlanTests</c>).
    /// </summary>
    public partial class DeliveriesOpenCallsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_OpenCalls",
                table: "Deliveries",
                columns: new[] { "DueAt", "Id" },
                filter: "\"CompletedAt\" IS NULL AND \"EndpointId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_OpenCalls",
                table: "Deliveries");
        }
    }
}

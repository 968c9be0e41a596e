using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ScheduledDueIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Orders_Scheduled",
                table: "Orders",
                columns: new[] { "ScheduledFor", "CustomerId", "Status", "StatusChangedAt" },
                filter: "\"Status\" IN ('Scheduled')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Scheduled",
                table: "Orders");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Attention2 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Orders_Attention",
                table: "Orders",
                columns: new[] { "CustomerId", "Status", "StatusChangedAt", "ScheduledFor" },
                filter: "\"Status\" IN ('InProgress', 'ProvisioningStarted', 'ProvisioningFinished', 'ProvisioningFailed', 'Scheduled', 'PendingApproval')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Attention",
                table: "Orders");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RecentOrdersIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Orders_Recent",
                table: "Orders",
                columns: new[] { "CustomerId", "Date", "Id" },
                descending: new[] { false, true, true },
                filter: "\"Status\" IN ('Started', 'Deleted', 'ProvisioningStarted', 'ProvisioningFinished', 'ProvisioningFailed', 'Scheduled', 'PendingApproval')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Recent",
                table: "Orders");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// Needs attention's chart (ActivityQueries; docs/performance.md point 28): the placed orders by customer and date with their
    /// status, and the items that go to a vendor by their order's customer and date (the copies of OrderItemListKeys).
    /// </summary>
    public partial class ActivityChartIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Orders_Placed",
                table: "Orders",
                columns: new[] { "CustomerId", "Date", "Status", "IsMarkupOnly" },
                filter: "\"PlacedAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_OrderItems_VendorItems",
                table: "OrderItems",
                columns: new[] { "CustomerId", "OrderDate" },
                filter: "\"Kind\" <> 'ChangeMarkup'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Placed",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_OrderItems_VendorItems",
                table: "OrderItems");
        }
    }
}

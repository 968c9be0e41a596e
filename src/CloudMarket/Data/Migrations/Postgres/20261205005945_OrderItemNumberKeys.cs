using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// The number sort's index for a search term on a customer's items (OrderItemListKeys.NumberIndexName): each offer name's
    /// items of the customer by order number, as OrderItemListKeys' index has them by date (docs/performance.md point 27).
    /// </summary>
    public partial class OrderItemNumberKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_OrderItems_CustomerId_OfferName_OrderId",
                table: "OrderItems",
                columns: new[] { "CustomerId", "OfferName", "OrderId" },
                descending: new[] { false, false, true });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OrderItems_CustomerId_OfferName_OrderId",
                table: "OrderItems");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// The items vendors answered, by their order's customer and date (the copies of OrderItemListKeys), for Needs attention's
    /// chart (ActivityQueries.VendorAnswersIndex; docs/performance.md point 28).
    /// </summary>
    public partial class VendorAnswersIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_OrderItems_VendorAnswers",
                table: "OrderItems",
                columns: new[] { "CustomerId", "OrderDate" },
                filter: "\"Kind\" <> 'ChangeMarkup' AND \"ProvisioningStatus\" IN ('ProvisioningFinished', 'ProvisioningFailed')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OrderItems_VendorAnswers",
                table: "OrderItems");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// The add-ons' index on Subscriptions (ParentSubscriptionId, add-ons only): a subscription's detail, its webhook payloads and a
    /// change passing on to its add-ons read them by it instead of going through every subscription (docs/performance.md point 33).
    /// </summary>
    public partial class SubscriptionAddonIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Subscriptions_ParentSubscriptionId",
                table: "Subscriptions",
                column: "ParentSubscriptionId",
                filter: "\"ParentSubscriptionId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Subscriptions_ParentSubscriptionId",
                table: "Subscriptions");
        }
    }
}

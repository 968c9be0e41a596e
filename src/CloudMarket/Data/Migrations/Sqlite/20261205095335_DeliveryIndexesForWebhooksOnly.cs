using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DeliveryIndexesForWebhooksOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DeliveryAttempts_EndpointId_Id",
                table: "DeliveryAttempts");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Channel_Id",
                table: "Deliveries");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_EndpointId_OrderId_Sequence",
                table: "Deliveries");

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryAttempts_EndpointId_Id",
                table: "DeliveryAttempts",
                columns: new[] { "EndpointId", "Id" },
                filter: "\"EndpointId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_EndpointId_OrderId_Sequence",
                table: "Deliveries",
                columns: new[] { "EndpointId", "OrderId", "Sequence" },
                filter: "\"EndpointId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DeliveryAttempts_EndpointId_Id",
                table: "DeliveryAttempts");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_EndpointId_OrderId_Sequence",
                table: "Deliveries");

            migrationBuilder.CreateIndex(
                name: "IX_DeliveryAttempts_EndpointId_Id",
                table: "DeliveryAttempts",
                columns: new[] { "EndpointId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Channel_Id",
                table: "Deliveries",
                columns: new[] { "Channel", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_EndpointId_OrderId_Sequence",
                table: "Deliveries",
                columns: new[] { "EndpointId", "OrderId", "Sequence" });
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StatusChangedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "StatusChangedAt",
                table: "Orders",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            // Existing orders: their last transition (the creation event included), as Needs attention computed it before.
            migrationBuilder.Sql("""
                UPDATE "Orders" SET "StatusChangedAt" = COALESCE(
                    (SELECT MAX(e."At") FROM "OrderEvents" e WHERE e."OrderId" = "Orders"."Id" AND e."FromStatus" IS DISTINCT FROM e."ToStatus"),
                    "UpdatedAt");
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Status_StatusChangedAt",
                table: "Orders",
                columns: new[] { "Status", "StatusChangedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_Status_StatusChangedAt",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "StatusChangedAt",
                table: "Orders");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TenantsDefects : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "CancellationWindowHours",
                table: "Offers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CustomerTenants",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RecordedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CustomerTenants", x => x.Name);
                    table.ForeignKey(
                        name: "FK_CustomerTenants_Organizations_CustomerId",
                        column: x => x.CustomerId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CustomerTenants_CustomerId",
                table: "CustomerTenants",
                column: "CustomerId");

            // Existing data: Microsoft's offers have new commerce's 7-day window, and each tenant of an
            // existing subscription belongs to the customer of its earliest subscription.
            migrationBuilder.Sql("""
                UPDATE "Offers" SET "CancellationWindowHours" = 168
                WHERE "VendorId" IN (SELECT "Id" FROM "Vendors" WHERE "Api" = 'Microsoft');
                """);
            migrationBuilder.Sql("""
                INSERT OR IGNORE INTO "CustomerTenants" ("Name", "CustomerId", "RecordedAt")
                SELECT lower(trim("TenantName")), "CustomerId", "StartDate"
                FROM "Subscriptions"
                WHERE "TenantName" IS NOT NULL AND trim("TenantName") <> ''
                ORDER BY "StartDate";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CustomerTenants");

            migrationBuilder.DropColumn(
                name: "CancellationWindowHours",
                table: "Offers");
        }
    }
}

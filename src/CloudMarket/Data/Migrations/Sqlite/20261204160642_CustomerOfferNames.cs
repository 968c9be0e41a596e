using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// The offer names of each customer's order items (Features/Orders/CustomerOfferNames.cs), filled from the items and kept
    /// by triggers on OrderItems. Named like the search index's triggers (migration SqliteSearch), whose note applies to them
    /// too: a later migration that rebuilds OrderItems must create them again; and the benchmark's loader, which turns
    /// OrderSearch_* off for its load, refills this table after it.
    /// </summary>
    public partial class CustomerOfferNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CustomerOfferNames",
                columns: table => new
                {
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OfferName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CustomerOfferNames", x => new { x.CustomerId, x.OfferName });
                });
            migrationBuilder.Sql("""
                INSERT INTO "CustomerOfferNames" ("CustomerId", "OfferName")
                SELECT DISTINCT o."CustomerId", i."OfferName" FROM "OrderItems" i JOIN "Orders" o ON o."Id" = i."OrderId";
                """);
            const string record = """
                INSERT OR IGNORE INTO "CustomerOfferNames" ("CustomerId", "OfferName")
                SELECT o."CustomerId", new."OfferName" FROM "Orders" o WHERE o."Id" = new."OrderId";
                """;
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OfferNameInserted" AFTER INSERT ON "OrderItems" BEGIN
                {record}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OfferNameChanged" AFTER UPDATE OF "OfferName", "OrderId" ON "OrderItems" BEGIN
                {record}
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "OrderSearch_OfferNameInserted";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "OrderSearch_OfferNameChanged";""");
            migrationBuilder.DropTable(
                name: "CustomerOfferNames");
        }
    }
}

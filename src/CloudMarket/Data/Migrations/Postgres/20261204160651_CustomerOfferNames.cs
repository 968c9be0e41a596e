using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// The offer names of each customer's order items (Features/Orders/CustomerOfferNames.cs), filled from the items and kept
    /// by a trigger on OrderItems. The trigger reads the table before it inserts, so recording a name already known (nearly
    /// every item) takes no lock; ON CONFLICT covers two transactions recording the same new name at once.
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
                    CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                    OfferName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CustomerOfferNames", x => new { x.CustomerId, x.OfferName });
                });
            migrationBuilder.Sql("""
                INSERT INTO "CustomerOfferNames" ("CustomerId", "OfferName")
                SELECT DISTINCT o."CustomerId", i."OfferName" FROM "OrderItems" i JOIN "Orders" o ON o."Id" = i."OrderId";
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION "RecordCustomerOfferName"() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO "CustomerOfferNames" ("CustomerId", "OfferName")
                    SELECT o."CustomerId", NEW."OfferName" FROM "Orders" o
                    WHERE o."Id" = NEW."OrderId"
                      AND NOT EXISTS (SELECT 1 FROM "CustomerOfferNames" n WHERE n."CustomerId" = o."CustomerId" AND n."OfferName" = NEW."OfferName")
                    ON CONFLICT DO NOTHING;
                    RETURN NULL;
                END
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "CustomerOfferNames_ItemWritten" AFTER INSERT OR UPDATE OF "OfferName", "OrderId" ON "OrderItems"
                FOR EACH ROW EXECUTE FUNCTION "RecordCustomerOfferName"();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "CustomerOfferNames_ItemWritten" ON "OrderItems";""");
            migrationBuilder.Sql("""DROP FUNCTION IF EXISTS "RecordCustomerOfferName"();""");
            migrationBuilder.DropTable(
                name: "CustomerOfferNames");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// The offer names of each order's items on the order's row (Features/Orders/OrderOfferNames.cs): the visible items' and the
    /// markup changes' apart, filled from the items and kept by a trigger on OrderItems that works the order's two columns out
    /// again whenever one of its items is inserted, deleted, or changed in name, kind or order. The fill rewrites every order
    /// (about 3 minutes for 1,000,000 on the benchmark's machine), which is why migrations run without EF's command timeout
    /// (DatabaseSetup.PrepareDatabaseAsync).
    /// </summary>
    public partial class OrderOfferNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MarkupOfferNames",
                table: "Orders",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "VisibleOfferNames",
                table: "Orders",
                type: "text",
                nullable: false,
                defaultValue: "");

            // One statement for every kind of change: OLD is null for an insert and NEW for a delete, and an item moved to another
            // order changes both orders.
            migrationBuilder.Sql("""
                CREATE FUNCTION "RecordOrderOfferNames"() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE "Orders" o SET
                        "VisibleOfferNames" = coalesce((SELECT string_agg(i."OfferName", E'\n' ORDER BY i."Position") FROM "OrderItems" i
                                                        WHERE i."OrderId" = o."Id" AND i."Kind" <> 'ChangeMarkup'), ''),
                        "MarkupOfferNames" = coalesce((SELECT string_agg(i."OfferName", E'\n' ORDER BY i."Position") FROM "OrderItems" i
                                                       WHERE i."OrderId" = o."Id" AND i."Kind" = 'ChangeMarkup'), '')
                    WHERE o."Id" IN (OLD."OrderId", NEW."OrderId");
                    RETURN NULL;
                END
                $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "OrderOfferNames_ItemWritten" AFTER INSERT OR DELETE OR UPDATE OF "OfferName", "Kind", "OrderId" ON "OrderItems"
                FOR EACH ROW EXECUTE FUNCTION "RecordOrderOfferNames"();
                """);
            migrationBuilder.Sql("""
                UPDATE "Orders" o SET "VisibleOfferNames" = n."Visible", "MarkupOfferNames" = n."Markup"
                FROM (SELECT i."OrderId",
                             coalesce(string_agg(i."OfferName", E'\n' ORDER BY i."Position") FILTER (WHERE i."Kind" <> 'ChangeMarkup'), '') AS "Visible",
                             coalesce(string_agg(i."OfferName", E'\n' ORDER BY i."Position") FILTER (WHERE i."Kind" = 'ChangeMarkup'), '') AS "Markup"
                      FROM "OrderItems" i GROUP BY i."OrderId") n
                WHERE o."Id" = n."OrderId";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "OrderOfferNames_ItemWritten" ON "OrderItems";""");
            migrationBuilder.Sql("""DROP FUNCTION IF EXISTS "RecordOrderOfferNames"();""");
            migrationBuilder.DropColumn(
                name: "MarkupOfferNames",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "VisibleOfferNames",
                table: "Orders");
        }
    }
}

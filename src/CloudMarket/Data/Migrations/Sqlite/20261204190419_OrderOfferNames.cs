using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// The offer names of each order's items on the order's row (Features/Orders/OrderOfferNames.cs), filled from the items and
    /// kept by triggers on OrderItems. Named like the search index's triggers (migration SqliteSearch), whose note applies to
    /// them too: a later migration that rebuilds OrderItems must create them again; and the benchmark's loader, which turns
    /// OrderSearch_* off for its load, fills the columns after it (OrderOfferNames.SqliteRefillSql).
    /// </summary>
    public partial class OrderOfferNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "MarkupOfferNames",
                table: "Orders",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "VisibleOfferNames",
                table: "Orders",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            static string Set(string row) => $"""
                UPDATE "Orders" SET
                    "VisibleOfferNames" = coalesce((SELECT group_concat("OfferName", char(10)) FROM (SELECT i."OfferName" FROM "OrderItems" i
                                                    WHERE i."OrderId" = "Orders"."Id" AND i."Kind" <> 'ChangeMarkup' ORDER BY i."Position")), ''),
                    "MarkupOfferNames" = coalesce((SELECT group_concat("OfferName", char(10)) FROM (SELECT i."OfferName" FROM "OrderItems" i
                                                   WHERE i."OrderId" = "Orders"."Id" AND i."Kind" = 'ChangeMarkup' ORDER BY i."Position")), '')
                {(row == "" ? "" : $"WHERE \"Id\" = {row}.\"OrderId\"")};
                """;
            migrationBuilder.Sql(Set(""));
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OrderOfferNames_ItemInserted" AFTER INSERT ON "OrderItems" BEGIN
                {Set("new")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OrderOfferNames_ItemChanged" AFTER UPDATE OF "OfferName", "Kind", "OrderId" ON "OrderItems" BEGIN
                {Set("old")}
                {Set("new")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OrderOfferNames_ItemDeleted" AFTER DELETE ON "OrderItems" BEGIN
                {Set("old")}
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "ItemInserted", "ItemChanged", "ItemDeleted" })
                migrationBuilder.Sql($"""DROP TRIGGER IF EXISTS "OrderSearch_OrderOfferNames_{trigger}";""");
            // SQLite drops a column in place (3.35 and later) once no trigger reads it; EF's DropColumn would rebuild Orders, which
            // the search index's view and triggers on it do not survive.
            migrationBuilder.Sql("""ALTER TABLE "Orders" DROP COLUMN "MarkupOfferNames";""");

            migrationBuilder.Sql("""ALTER TABLE "Orders" DROP COLUMN "VisibleOfferNames";""");
        }
    }
}

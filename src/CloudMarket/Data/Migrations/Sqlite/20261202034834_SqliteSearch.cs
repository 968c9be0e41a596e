using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// SQLite's order search index (Features/Orders/SqliteOrderSearch.cs): an FTS5 trigram table, one row per
    /// order, filled from a view and kept current by triggers. Not in the EF model (EF has no FTS5 tables);
    /// the PostgreSQL model is unchanged. A later migration that rebuilds Orders or OrderItems on SQLite
    /// (EF's table rebuild drops the table, and its triggers with it) must create these triggers again; the
    /// search tests on SQLite fail if it does not.
    /// </summary>
    public partial class SqliteSearch : Migration
    {
        private const string Columns = """rowid, "Name", "Note", "InternalNote", "Offers", "VisibleOffers" """;
        private const string Source = """SELECT "Id", "Name", "Note", "InternalNote", "Offers", "VisibleOffers" FROM "OrderSearchSource" """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // What a search may match, per order: the offer names joined with char(10), all of them and the
            // ones a customer-level user sees (no markup changes).
            migrationBuilder.Sql("""
                CREATE VIEW "OrderSearchSource" AS
                SELECT o."Id", o."Name", o."Note", o."InternalNote",
                       (SELECT group_concat(i."OfferName", char(10)) FROM "OrderItems" i WHERE i."OrderId" = o."Id") AS "Offers",
                       (SELECT group_concat(i."OfferName", char(10)) FROM "OrderItems" i
                        WHERE i."OrderId" = o."Id" AND i."Kind" <> 'ChangeMarkup') AS "VisibleOffers"
                FROM "Orders" o;
                """);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "OrderSearch" USING fts5(
                    "Name", "Note", "InternalNote", "Offers", "VisibleOffers",
                    content='', contentless_delete=1, tokenize='trigram');
                """);
            migrationBuilder.Sql($"""INSERT INTO "OrderSearch" ({Columns}) {Source};""");
            // Replace an order's row whenever what it is searched by changes (status changes and the like do not touch it).
            string Refresh(string orderId) => $"""
                DELETE FROM "OrderSearch" WHERE rowid = {orderId};
                INSERT INTO "OrderSearch" ({Columns}) {Source} WHERE "Id" = {orderId};
                """;
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OrderInserted" AFTER INSERT ON "Orders" BEGIN
                INSERT INTO "OrderSearch" ({Columns}) {Source} WHERE "Id" = new."Id";
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_OrderChanged" AFTER UPDATE OF "Name", "Note", "InternalNote" ON "Orders" BEGIN
                {Refresh("new.\"Id\"")}
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "OrderSearch_OrderDeleted" AFTER DELETE ON "Orders" BEGIN
                DELETE FROM "OrderSearch" WHERE rowid = old."Id";
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_ItemInserted" AFTER INSERT ON "OrderItems" BEGIN
                {Refresh("new.\"OrderId\"")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_ItemChanged" AFTER UPDATE OF "OfferName", "Kind", "OrderId" ON "OrderItems" BEGIN
                {Refresh("old.\"OrderId\"")}
                {Refresh("new.\"OrderId\"")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_ItemDeleted" AFTER DELETE ON "OrderItems" BEGIN
                {Refresh("old.\"OrderId\"")}
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "OrderInserted", "OrderChanged", "OrderDeleted", "ItemInserted", "ItemChanged", "ItemDeleted" })
                migrationBuilder.Sql($"""DROP TRIGGER IF EXISTS "OrderSearch_{trigger}";""");
            migrationBuilder.Sql("""DROP TABLE IF EXISTS "OrderSearch";""");
            migrationBuilder.Sql("""DROP VIEW IF EXISTS "OrderSearchSource";""");
        }
    }
}

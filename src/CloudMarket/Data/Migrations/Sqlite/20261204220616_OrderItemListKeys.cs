using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <summary>
    /// Each item's order's customer and list date on the item, with the index the search reads a customer's items of one offer
    /// by, newest first (Features/Orders/OrderItemListKeys.cs): filled from the orders, then kept by triggers — an item inserted
    /// or moved takes its order's, an order whose date or customer changes writes them onto its items. Named like the search
    /// index's triggers (OrderSearch_…), which a bulk load turns off and on together (the benchmark's generator).
    /// </summary>
    public partial class OrderItemListKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "CustomerId",
                table: "OrderItems",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<DateTime>(
                name: "OrderDate",
                table: "OrderItems",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            static string CopyFromOrder(string item) => $"""
                UPDATE "OrderItems" SET
                    "CustomerId" = (SELECT o."CustomerId" FROM "Orders" o WHERE o."Id" = "OrderItems"."OrderId"),
                    "OrderDate" = (SELECT o."Date" FROM "Orders" o WHERE o."Id" = "OrderItems"."OrderId")
                {(item == "" ? "" : $"WHERE rowid = {item}.rowid")};
                """;
            migrationBuilder.Sql(CopyFromOrder(""));

            migrationBuilder.CreateIndex(
                name: "IX_OrderItems_CustomerId_OfferName_OrderDate_OrderId",
                table: "OrderItems",
                columns: new[] { "CustomerId", "OfferName", "OrderDate", "OrderId" },
                descending: new[] { false, false, true, true });

            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_ItemListKeys_ItemInserted" AFTER INSERT ON "OrderItems" BEGIN
                {CopyFromOrder("new")}
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER "OrderSearch_ItemListKeys_ItemMoved" AFTER UPDATE OF "OrderId" ON "OrderItems" BEGIN
                {CopyFromOrder("new")}
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "OrderSearch_ItemListKeys_OrderDated" AFTER UPDATE OF "Date", "CustomerId" ON "Orders" BEGIN
                UPDATE "OrderItems" SET "CustomerId" = new."CustomerId", "OrderDate" = new."Date" WHERE "OrderId" = new."Id";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "ItemInserted", "ItemMoved", "OrderDated" })
                migrationBuilder.Sql($"""DROP TRIGGER IF EXISTS "OrderSearch_ItemListKeys_{trigger}";""");
            migrationBuilder.DropIndex(
                name: "IX_OrderItems_CustomerId_OfferName_OrderDate_OrderId",
                table: "OrderItems");

            // SQLite drops a column in place (3.35 and later) once no trigger or index reads it; EF's DropColumn would rebuild
            // OrderItems, which the search index's triggers on it do not survive.
            migrationBuilder.Sql("""ALTER TABLE "OrderItems" DROP COLUMN "CustomerId";""");
            migrationBuilder.Sql("""ALTER TABLE "OrderItems" DROP COLUMN "OrderDate";""");
        }
    }
}

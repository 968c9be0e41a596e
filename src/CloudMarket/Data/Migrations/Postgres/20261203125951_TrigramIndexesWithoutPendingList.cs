using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// The search's trigram indexes without GIN's pending list (fastupdate): with it, every new order's and item's
    /// entries waited in an unsorted list that each search read through until a vacuum or a 4-MB flush, so a
    /// search got several times slower as orders were placed (docs/performance.md, point 21). Altered in place
    /// rather than rebuilt (a rebuild would read every order and item); the entries already waiting are merged.
    /// </summary>
    public partial class TrigramIndexesWithoutPendingList : Migration
    {
        private static readonly string[] Indexes =
            ["IX_Orders_Name_Trgm", "IX_Orders_Note_Trgm", "IX_Orders_InternalNote_Trgm", "IX_OrderItems_OfferName_Trgm"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var index in Indexes)
            {
                migrationBuilder.Sql($"""ALTER INDEX "{index}" SET (fastupdate = false);""");
                migrationBuilder.Sql($"""SELECT gin_clean_pending_list('"{index}"');""");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var index in Indexes)
                migrationBuilder.Sql($"""ALTER INDEX "{index}" RESET (fastupdate);""");
        }
    }
}

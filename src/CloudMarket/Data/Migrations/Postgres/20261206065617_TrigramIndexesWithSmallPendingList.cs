using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <summary>
    /// The search's trigram indexes with a pending list of 64 kB instead of none: each order's and item's trigrams
    /// written one by one cost every insert and every indexed update its own descents (~1 ms of PostgreSQL's CPU per
    /// placed order); a list this small is merged by the write that fills it and read through by a search in a few
    /// pages (docs/performance.md, points 21 and 36). Altered in place rather than rebuilt (a rebuild would read every
    /// order and item).
    /// </summary>
    public partial class TrigramIndexesWithSmallPendingList : Migration
    {
        private static readonly string[] Indexes =
            ["IX_Orders_Name_Trgm", "IX_Orders_Note_Trgm", "IX_Orders_InternalNote_Trgm", "IX_OrderItems_OfferName_Trgm"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var index in Indexes)
                migrationBuilder.Sql($"""ALTER INDEX "{index}" SET (fastupdate = true, gin_pending_list_limit = 64);""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var index in Indexes)
            {
                migrationBuilder.Sql($"""ALTER INDEX "{index}" SET (fastupdate = false);""");
                migrationBuilder.Sql($"""ALTER INDEX "{index}" RESET (gin_pending_list_limit);""");
                migrationBuilder.Sql($"""SELECT gin_clean_pending_list('"{index}"');""");
            }
        }
    }
}

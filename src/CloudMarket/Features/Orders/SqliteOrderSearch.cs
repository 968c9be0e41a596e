using System.Text;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The search index of the SQLite default: the FTS5 table <c>OrderSearch</c> with the <c>trigram</c>
/// tokenizer (substring matching, case-insensitive, like PostgreSQL's pg_trgm + ILIKE), one row per order
/// whose rowid is the order's id. Its columns are what a search may match: <c>Name</c>, <c>Note</c>,
/// <c>InternalNote</c>, <c>Offers</c> (every item's offer name) and <c>VisibleOffers</c> (without markup
/// changes, for customer-level users), each joined with <see cref="OrderOfferNames.Separator"/> (char(10) in the view). The migration <c>SqliteSearch</c> creates it, fills it from the view
/// <c>OrderSearchSource</c> and keeps it current with triggers on Orders and OrderItems, so every write
/// (EF, ExecuteUpdate, raw SQL) updates it in its own transaction. Contentless (it stores no text, only
/// the index) with <c>contentless_delete</c>, so a changed order's row is replaced by rowid.
/// </summary>
public static class SqliteOrderSearch
{
    /// <summary>Rebuilds the whole index from the view (after a bulk load that ran without the triggers, e.g. the benchmark's).</summary>
    public const string RefillSql = """
        DELETE FROM "OrderSearch";
        INSERT INTO "OrderSearch" (rowid, "Name", "Note", "InternalNote", "Offers", "VisibleOffers")
        SELECT "Id", "Name", "Note", "InternalNote", "Offers", "VisibleOffers" FROM "OrderSearchSource";
        """;

    /// <summary>
    /// Whether the index can answer for the term: not with fewer than three characters (no trigram), nor with the separator of the
    /// offer names in it (it could match across two items).
    /// </summary>
    internal static bool CanLookUp(string term) => term.EnumerateRunes().Count() >= 3 && !term.Contains(OrderOfferNames.Separator);

    /// <summary>
    /// The ids of the orders (of any customer: the page query keeps this customer's visible ones, as on
    /// PostgreSQL) whose searched columns, those the caller may see, contain the term; one more than
    /// <paramref name="cap"/> at most, so a frequent term stops early and is left to the page query's walk
    /// (<see cref="OrderQueries"/>' frequent terms), for a term the index can answer (<see cref="CanLookUp"/>). The offer names are
    /// searched only when <paramref name="onItems"/> (the term may be on this customer's items, <see cref="CustomerOfferNames"/>).
    /// </summary>
    internal static IQueryable<long> MatchQuery(AppDbContext db, CustomerContext ctx, string term, int cap, bool onItems)
    {
        var columns = new StringBuilder("Name Note");
        if (ctx.Actor.SeesInternalNotes) columns.Append(" InternalNote");
        if (onItems) columns.Append(OrderVisibility.SeesMarkup(ctx) ? " Offers" : " VisibleOffers");
        // A quoted phrase: FTS5 reads nothing in it as syntax (OR, NEAR, *, ^, -, :, parentheses), a quote is
        // doubled. The whole expression is a parameter, never part of the SQL text.
        var match = $"{{{columns}}} : \"{term.Replace("\"", "\"\"")}\"";
        // No join to the customer here: for a term frequent elsewhere SQLite would first collect every match
        // of the platform (1.2-1.9 s for "microsoft 365" at 100,000 orders, load average 80-120); unjoined, the phrase's doclist is
        // read only until the cap.
        return db.Database.SqlQuery<long>(
            $"""SELECT rowid AS "Value" FROM "OrderSearch" WHERE "OrderSearch" MATCH {match} LIMIT {cap + 1}""");
    }
}

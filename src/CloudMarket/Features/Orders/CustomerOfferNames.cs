using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>An offer name that appears on an item of one of this customer's orders (<see cref="CustomerOfferNames"/>).</summary>
public sealed class CustomerOfferName
{
    private CustomerOfferName() { }

    public Guid CustomerId { get; private set; }
    public string OfferName { get; private set; } = "";
}

/// <summary>
/// The offer names each customer's order items carry, so that the list's search knows at once when a term is on no item of
/// this customer: then only the order names and notes can match, and a term found on thousands of other customers' items no
/// longer makes the page walk a big customer's orders to prove that none of its own has it (docs/performance.md point 24).
/// <para>
/// Kept by triggers on OrderItems (migration <c>CustomerOfferNames</c>, both providers), so every write of an item records its
/// name, in its own transaction, whoever writes it. Never shrinks: an item deleted from a draft or an order deleted leaves its
/// name, so the table is a superset, and a name here only says the items are worth looking up, never that one matches. It
/// holds every item's name, markup changes included; the lookups that follow apply the visibility rule.
/// </para>
/// </summary>
public static class CustomerOfferNames
{
    public static void Configure(ModelBuilder b) =>
        b.Entity<CustomerOfferName>(e =>
        {
            e.ToTable("CustomerOfferNames");
            e.HasKey(n => new { n.CustomerId, n.OfferName });
            e.Property(n => n.OfferName).HasMaxLength(200);
        });

    /// <summary>The table worked out again from the items, set-based: for a database whose items were written with the triggers off (the benchmark's generators).</summary>
    public const string RefillSql = """
        DELETE FROM "CustomerOfferNames";
        INSERT INTO "CustomerOfferNames" ("CustomerId", "OfferName")
        SELECT DISTINCT o."CustomerId", i."OfferName" FROM "OrderItems" i JOIN "Orders" o ON o."Id" = i."OrderId";
        """;

    /// <summary>
    /// The offer names on this customer's items that contain the term, compared as the search compares an order's names
    /// (ILIKE; SQLite's <c>lower()</c> and LIKE, both folding ASCII letters only): at most <paramref name="max"/>, null when
    /// there are more, or when SQLite cannot compare the term as its FTS5 index would, which folds all of Unicode (letters
    /// beyond ASCII). None: no item of this customer's orders contains the term. Null: one may. (On PostgreSQL the search
    /// reads them in one statement with its first lookup, <c>OrderQueries.NamesAndOwnMatchesAsync</c>.)
    /// </summary>
    internal static async Task<List<string>?> ContainingAsync(AppDbContext db, CustomerContext ctx, string term, int max, CancellationToken ct)
    {
        if (!db.IsPostgres && !term.All(char.IsAscii)) return null;
        return (await Containing(db, ctx, term).ToListAsync(ct)).OrNullOver(max);
    }

    /// <summary>The query of <see cref="ContainingAsync"/>, all of the names.</summary>
    internal static IQueryable<string> Containing(AppDbContext db, CustomerContext ctx, string term)
    {
        // Written into the SQL (ValuesWrittenIn), like the index lookups that follow (OrderQueries.ItemsLookup says why they carry
        // no parameter); so all of them, without a LIMIT: a customer's names holding a term are a few of the catalog's.
        var pattern = OrderQueries.LikePattern(term);
        var customerId = ctx.CustomerId;
        var names = db.Set<CustomerOfferName>().AsNoTracking().TagWith(OrderQueries.SearchLookupTag).WithValuesWrittenIn()
            .Where(n => n.CustomerId == customerId);
        return (db.IsPostgres
                ? names.Where(n => EF.Functions.ILike(n.OfferName, pattern, OrderQueries.LikeEscape))
                : names.Where(n => EF.Functions.Like(n.OfferName, pattern, OrderQueries.LikeEscape)))
            .Select(n => n.OfferName);
    }
}

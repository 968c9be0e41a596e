using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// A search's first statement on PostgreSQL (the customer's offer names holding the term, and its orders whose name or
/// visible note holds it) is served by the caller's kind's compiled query (<see cref="SearchLookupReads"/>,
/// docs/performance.md point 50), and reads exactly what the statement built for the request reads — with each request's
/// own customer and term, never those of the request that compiled it: each kind of caller searches two customers for
/// terms in an order's name, an offer's name, an internal note, LIKE's own wildcards and a term found nowhere.
/// </summary>
public sealed class SearchLookupReadsTests(PostgresFactory app) : IClassFixture<PostgresFactory>
{
    private const string InInternalNote = "zq-internal-7731";

    [Fact]
    public async Task EachKindOfCaller_IsCompiled_AndReadsWhatTheStatementBuiltPerRequestReads()
    {
        var noted = await app.WithDbAsync(async db =>
        {
            var id = await db.Orders.Where(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly).OrderBy(o => o.Id).Select(o => o.Id).FirstAsync();
            await db.Orders.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.InternalNote, $"checked by {InInternalNote}"));
            return id;
        });
        var found = new Dictionary<(string Email, string Term), List<OrderQueries.NameOrOrder>>();
        foreach (var (email, customer) in new[] { (Demo.SellerAdmin, DemoData.Fabrikam), (Demo.FabrikamAdmin, DemoData.Fabrikam), (Demo.SellerAdmin, DemoData.Tailspin) })
        {
            var ctx = await app.CustomerContextAsync(email, customer);
            var (orderName, offerName) = await app.WithDbAsync(async db => (
                await db.Orders.Where(o => o.CustomerId == customer).OrderBy(o => o.Id).Select(o => o.Name).FirstAsync(),
                await db.OrderItems.Where(i => EF.Property<Guid>(i, OrderItemListKeys.CustomerId) == customer).OrderBy(i => i.OrderId).Select(i => i.OfferName).FirstAsync()));
            foreach (var term in new[] { orderName[..Math.Min(8, orderName.Length)], offerName.ToUpperInvariant(), InInternalNote, "%", "_", "zq-nowhere-5150" })
            {
                var (compiled, built) = await app.WithDbAsync(async db =>
                {
                    Assert.NotNull(SearchLookupReads.TryCompiled(db, ctx));
                    return (await SearchLookupReads.NamesAndOwnMatches(db, ctx, term).ToListAsync(),
                        await OrderQueries.NamesAndOwnMatchesQuery(db, ctx, term).ToListAsync());
                });
                Assert.Equal(Rows(built), Rows(compiled));
                if (customer == DemoData.Fabrikam) found[(email, term)] = compiled;
            }
            // The terms are LIKE patterns' text, not patterns: "%" and "_" find only what holds them.
            var wildcards = await app.WithDbAsync(db => SearchLookupReads.NamesAndOwnMatches(db, ctx, "_").ToListAsync().AsTask());
            Assert.DoesNotContain(wildcards, r => r.OfferName is { } n && !n.Contains('_'));
        }
        // Each request's own term and customer: the offer name is found, the term found nowhere finds nothing.
        Assert.Contains(found, f => f.Key.Term != InInternalNote && f.Value.Any(r => r.OfferName is not null));
        Assert.All(found.Where(f => f.Key.Term == "zq-nowhere-5150"), f => Assert.Empty(f.Value));
        // The internal note: the seller's search finds its order, the customer's admin's never does.
        Assert.Contains(found[(Demo.SellerAdmin, InInternalNote)], r => r.OrderId == noted);
        Assert.Empty(found[(Demo.FabrikamAdmin, InInternalNote)]);
    }

    /// <summary>The rows as a set: the two halves of the statement's <c>UNION ALL</c> come in no set order.</summary>
    private static List<(string?, long?)> Rows(IEnumerable<OrderQueries.NameOrOrder> rows) => [.. rows.Select(r => (r.OfferName, r.OrderId)).Order()];
}

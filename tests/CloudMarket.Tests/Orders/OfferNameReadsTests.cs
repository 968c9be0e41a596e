using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// A frequent term's read of the customer's items by offer name is served by its shape's compiled query
/// (<see cref="OfferNameReads"/>, docs/performance.md point 48), and that query reads exactly what the read built for the
/// request reads — with each request's own values (customer, names, cursor, items per name), never those of the request
/// that compiled the shape: every shape runs for two customers, two kinds of caller, one to three names and a cursor
/// taken from the read before. PostgreSQL only: SQLite walks instead (<see cref="OrderQueries"/>, point 26).
/// </summary>
public sealed class OfferNameReadsTests(PostgresFactory app) : IClassFixture<PostgresFactory>
{
    private const int PerName = 2;

    public static TheoryData<string> Sorts => ["-date", "date", "-number", "number"];

    [Theory]
    [MemberData(nameof(Sorts))]
    public async Task EachShape_IsCompiled_AndReadsWhatTheReadBuiltPerRequestReads(string sort)
    {
        OrderSort.TryParse(sort, out var parsed);
        var (key, ascending) = OrderQueries.KeyOf(parsed);
        var read = 0;
        foreach (var (email, customer) in new[] { (Demo.SellerAdmin, DemoData.Fabrikam), (Demo.FabrikamAdmin, DemoData.Fabrikam), (Demo.SellerAdmin, DemoData.Tailspin) })
        {
            var ctx = await app.CustomerContextAsync(email, customer);
            var names = await app.WithDbAsync(db => db.OrderItems.Where(i => EF.Property<Guid>(i, OrderItemListKeys.CustomerId) == customer)
                .GroupBy(i => i.OfferName).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).Take(3).ToListAsync());
            Assert.NotEmpty(names);
            for (var count = 1; count <= names.Count; count++)
            {
                OrderCursor? after = null;
                // The first read, then one after the cursor where the first stopped (its furthest item in the list's order).
                for (var round = 0; round < 2; round++)
                {
                    var (compiled, built) = await app.WithDbAsync(async db =>
                    {
                        Assert.NotNull(OfferNameReads.TryCompiled(db, ctx, count, after is not null, key, ascending));
                        return (await OfferNameReads.Run(db, ctx, names[..count], after, key, ascending, PerName).ToListAsync(),
                            await OrderQueries.OfferNameItems(db, ctx, names[..count], after, key, ascending, PerName).ToListAsync());
                    });
                    Assert.Equal(Rows(built), Rows(compiled));
                    Assert.All(compiled, i => Assert.Contains(i.OfferName, names[..count]));
                    Assert.All(compiled.GroupBy(i => i.OfferName), g => Assert.InRange(g.Count(), 1, PerName));
                    read += compiled.Count;
                    if (compiled.Count == 0) break;
                    var furthest = ascending ? compiled.MaxBy(i => (i.Date, i.OrderId))! : compiled.MinBy(i => (i.Date, i.OrderId))!;
                    after = new OrderCursor(parsed, default, furthest.Date, furthest.OrderId);
                }
            }
        }
        Assert.True(read > 0, "no shape read an item");
    }

    /// <summary>The seller reads the items of markup changes too; the customer's admin never does (the markup rule).</summary>
    [Fact]
    public async Task TheSellerReadsMarkupChanges_ACustomersAdminNever()
    {
        var (markup, visible) = await app.WithDbAsync(async db =>
        {
            var fabrikams = db.OrderItems.Where(i => EF.Property<Guid>(i, OrderItemListKeys.CustomerId) == DemoData.Fabrikam);
            var markup = await fabrikams.Where(i => i.Kind == OrderItemKind.ChangeMarkup).Select(i => new { i.OfferName, i.OrderId }).ToListAsync();
            var names = markup.Select(m => m.OfferName).Distinct().ToList();
            return (markup.Select(m => (m.OfferName, m.OrderId)).ToList(), await fabrikams.Where(i => names.Contains(i.OfferName) && i.Kind != OrderItemKind.ChangeMarkup)
                .Select(i => new ValueTuple<string, long>(i.OfferName, i.OrderId)).ToListAsync());
        });
        Assert.NotEmpty(markup);
        Assert.NotEmpty(markup.Except(visible));
        string[] offerNames = [.. markup.Select(m => m.Item1).Distinct()];
        foreach (var (email, expected) in new[] { (Demo.SellerAdmin, markup.Union(visible)), (Demo.FabrikamAdmin, visible) })
        {
            var ctx = await app.CustomerContextAsync(email, DemoData.Fabrikam);
            var read = await app.WithDbAsync(db => OfferNameReads.Run(db, ctx, offerNames, after: null, OrderSortKey.Number, ascending: false, perName: 100_000).ToListAsync().AsTask());
            Assert.Equal(expected.Distinct().Order(), read.Select(i => (i.OfferName, i.OrderId)).Distinct().Order());
        }
    }

    /// <summary>The items as a set: a read's names come in no set order (one <c>UNION ALL</c> of a read per name).</summary>
    private static List<(string, long, DateTime)> Rows(IEnumerable<OrderQueries.OfferNameItem> items) =>
        [.. items.Select(i => (i.OfferName, i.OrderId, i.Date)).Order()];
}

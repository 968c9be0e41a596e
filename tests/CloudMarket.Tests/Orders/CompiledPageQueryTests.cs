using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Every shape of list page is served by its compiled query (docs/performance.md, point 19), and the compiled query
/// finds exactly what the query built for the request finds — with each request's own values, never the values of the
/// request that compiled the shape: each shape runs for two customers, two kinds of caller and page after page. The
/// compiled query reads the page's items in the same statement (point 45): exactly the visible items of each order, in
/// order, priced as an item read whole is.
/// </summary>
public abstract class CompiledPageQueryTests(CloudMarketFactory app)
{
    private const int Limit = 4;

    public static TheoryData<string> Shapes => [.. ShapeFilters().Keys];

    private static Dictionary<string, Func<Guid, OrderListFilter>> ShapeFilters()
    {
        var all = new OrderListFilter(OrderView.Historical, HistoricalState.All);
        var shapes = new Dictionary<string, Func<Guid, OrderListFilter>>();
        foreach (var (name, view) in new[]
                 {
                     ("recent", new OrderListFilter(OrderView.Recent)), ("active", new OrderListFilter(OrderView.Historical, HistoricalState.Active)),
                     ("draft", new OrderListFilter(OrderView.Historical, HistoricalState.Draft)), ("all", all),
                 })
            foreach (var sort in new[] { "-date", "date", "-number", "number" })
            {
                OrderSort.TryParse(sort, out var parsed);
                shapes[$"{name} {sort}"] = _ => view with { Sort = parsed };
            }
        shapes["all, one status"] = _ => all with { Status = OrderStatus.Completed };
        shapes["all, by a creator"] = creator => all with { CreatedBy = creator };
        shapes["all, from and to"] = _ => all with { From = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), To = new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc) };
        shapes["all, every filter, by number"] = creator => all with
        {
            Status = OrderStatus.Completed, CreatedBy = creator, From = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            To = new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc), Sort = new OrderSort(OrderSortKey.Number, true),
        };
        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task EachShape_IsCompiled_AndPagesLikeTheQueryBuiltPerRequest(string shape)
    {
        foreach (var (email, customer) in new[] { (Demo.SellerAdmin, DemoData.Fabrikam), (Demo.FabrikamAdmin, DemoData.Fabrikam), (Demo.SellerAdmin, DemoData.Tailspin) })
        {
            var ctx = await app.CustomerContextAsync(email, customer);
            var creator = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == customer).GroupBy(o => o.CreatedByUserId)
                .OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync());
            foreach (var detailed in new[] { false, true })
            {
                var (pages, _) = await PageByPageAsync(ctx, ShapeFilters()[shape](creator), onlyStatus: null, detailed);
                Assert.True(pages > 0, $"{shape}, {email} in {ctx.Customer.Name}: no page");
            }
        }
    }

    [Fact]
    public async Task TheStatusSortsOneStatusQueries_AreCompiled_AndPageLikeTheQueryBuiltPerRequest()
    {
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        var all = new OrderListFilter(OrderView.Historical, HistoricalState.All, Sort: new OrderSort(OrderSortKey.Status, true));
        foreach (var status in new[] { OrderStatus.Completed, OrderStatus.Draft, OrderStatus.InProgress })
            await PageByPageAsync(ctx, all, status, detailed: true);
    }

    [Fact]
    public async Task ASearchForANumber_IsCompiled_AndFindsThatOrderOnly()
    {
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        var ids = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly).OrderBy(o => o.Id)
            .Select(o => o.Id).Take(2).ToListAsync());
        foreach (var id in ids)
        {
            var rows = await app.WithDbAsync(async db => await CompiledRowsAsync(db, ctx,
                new OrderListFilter(OrderView.Historical, HistoricalState.All, Search: "#" + id), after: null, onlyStatus: null, detailed: true));
            Assert.Equal([id], rows.Rows.Select(r => r.Id));
        }
    }

    [Theory]
    [InlineData("-date", false)]
    [InlineData("date", true)]
    [InlineData("-number", false)]
    [InlineData("number", true)]
    public void AFirstPage_StartsAtTheFiltersOwnEndDate_OrBeforeEveryOrder(string sort, bool ascending)
    {
        // An index scan starts at the cursor: one at the end of time would walk every newer order of a big customer before
        // reaching a page "up to 2001" (docs/performance.md, point 45). The first page starts where the filter's dates do.
        OrderSort.TryParse(sort, out var parsed);
        var from = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2001, 12, 31, 23, 59, 59, DateTimeKind.Utc);
        var dated = CompiledPageQuery.FromTheStart(new OrderListFilter(OrderView.Historical, HistoricalState.All, From: from, To: to, Sort: parsed));
        Assert.Equal(ascending ? from : to, dated.Date);
        Assert.Equal(ascending ? long.MinValue : long.MaxValue, dated.Id);
        var undated = CompiledPageQuery.FromTheStart(new OrderListFilter(OrderView.Historical, HistoricalState.All, Sort: parsed));
        Assert.Equal(ascending ? DateTime.MinValue : DateTime.MaxValue, undated.Date);
    }

    [Fact]
    public async Task ATextSearchWithoutMatches_IsNotCompiled()
    {
        // Without matches the page walks the customer's orders checking the term on each, with the term written into its
        // SQL for PostgreSQL to plan the walk for it: built per request.
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        var served = await app.WithDbAsync(db => Task.FromResult(CompiledPageQuery.TryRun(db, ctx,
            new OrderListFilter(OrderView.Historical, HistoricalState.All, Search: "office"), after: null, Limit, onlyStatus: null, detailed: true)));
        Assert.Null(served);
    }

    /// <summary>
    /// A text search's page among the orders its indexes matched is compiled on PostgreSQL (docs/performance.md, point 50),
    /// one query per shape of list, and finds exactly what the query built per request finds: for each customer, caller,
    /// text (one that is a number also finds that order) and set of matches, never those of the request that compiled it.
    /// The matches hold orders a customer's user may not see (markup-only ones) and another customer's: neither is shown.
    /// On SQLite the page keeps its matches as EF Core writes them, which a compiled query cannot take: built per request.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task EachShape_OfATextSearchAmongItsMatches_IsCompiledOnPostgres_AndPagesLikeTheQueryBuiltPerRequest(string shape)
    {
        var postgres = await app.WithDbAsync(db => Task.FromResult(db.IsPostgres));
        var rowsSeen = 0;
        foreach (var (email, customer) in new[] { (Demo.SellerAdmin, DemoData.Fabrikam), (Demo.FabrikamAdmin, DemoData.Fabrikam), (Demo.SellerAdmin, DemoData.Tailspin) })
        {
            var ctx = await app.CustomerContextAsync(email, customer);
            var (creator, unmatched, odd) = await app.WithDbAsync(async db => (
                await db.Orders.Where(o => o.CustomerId == customer).GroupBy(o => o.CreatedByUserId).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstAsync(),
                await db.Orders.Where(o => o.CustomerId == customer && !o.IsMarkupOnly).OrderBy(o => o.Id).Select(o => o.Id).FirstAsync(),
                await db.Orders.Where(o => o.Id % 2 == 1 || o.IsMarkupOnly || o.Status == OrderStatus.Draft).Select(o => o.Id).ToListAsync()));
            // Every customer's odd orders, markup-only ones and drafts (a view of its own), but not the one a text that is its number finds.
            var matches = odd.Where(id => id != unmatched).ToList();
            foreach (var (text, among) in new[] { ("office", matches), (unmatched.ToString(), matches), ("office", matches.Where(id => id % 4 == 1).ToList()) })
                foreach (var detailed in new[] { false, true })
                {
                    var filter = ShapeFilters()[shape](creator) with { Search = text };
                    if (!postgres)
                    {
                        var served = await app.WithDbAsync(db => Task.FromResult(CompiledPageQuery.TryRun(db, ctx, filter, after: null, Limit, onlyStatus: null, detailed, among)));
                        Assert.Null(served);
                        continue;
                    }
                    rowsSeen += (await PageByPageAsync(ctx, filter, onlyStatus: null, detailed, among)).Rows;
                }
        }
        // Every shape found orders among its matches for some caller: its pages were compared, not only its empty answer.
        Assert.True(!postgres || rowsSeen > 0, $"{shape}: no order found");
    }

    /// <summary>
    /// Every page of the list from the compiled query, each checked against the query built per request, and its items
    /// against the orders' items read whole.
    /// </summary>
    private async Task<(int Pages, int Rows)> PageByPageAsync(CustomerContext ctx, OrderListFilter filter, OrderStatus? onlyStatus, bool detailed,
        IReadOnlyCollection<long>? searchMatches = null)
    {
        string? cursor = null;
        var (pages, rows) = (0, 0);
        do
        {
            var (read, built, whole) = await app.WithDbAsync(async db =>
            {
                var read = await CompiledRowsAsync(db, ctx, filter, OrderCursor.Decode(cursor, filter.Sort), onlyStatus, detailed, searchMatches);
                var ids = read.Rows.Select(r => r.Id).ToArray();
                return (read, await OrderQueries.PageQuery(db, ctx, filter, cursor, Limit, searchMatches, onlyStatus).ToListAsync(),
                    await db.OrderItems.AsNoTracking().Where(i => ids.Contains(i.OrderId)).Where(OrderVisibility.VisibleItem(ctx))
                        .OrderBy(i => i.OrderId).ThenBy(i => i.Position).ToListAsync());
            });
            var compiled = read.Rows;
            Assert.Equal(built.Select(r => r.Id), compiled.Select(r => r.Id));
            Assert.Equal(built, compiled);
            // Each order's visible items in their order; in the detailed view priced as the item read whole (add-ons and all).
            Assert.NotNull(read.Items);
            Assert.Equal(
                compiled.SelectMany(o => whole.Where(i => i.OrderId == o.Id)).Select(i => (i.OrderId, i.Description, detailed ? i.Pricing.Amounts : null)),
                read.Items.Select(i => (i.OrderId, i.Description, i.Pricing?.Amounts)));
            pages++;
            rows += compiled.Count;
            cursor = compiled.Count > Limit ? new OrderCursor(filter.Sort, compiled[Limit - 1].Status, compiled[Limit - 1].Date, compiled[Limit - 1].Id).Encode() : null;
        }
        while (cursor is not null && pages < 6);
        return (pages, rows);
    }

    private static async Task<OrderQueries.PageRead> CompiledRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, OrderStatus? onlyStatus, bool detailed, IReadOnlyCollection<long>? searchMatches = null)
    {
        var served = CompiledPageQuery.TryRun(db, ctx, filter, after, Limit, onlyStatus, detailed, searchMatches);
        Assert.NotNull(served);
        return OrderQueries.FromRowsWithItems(await served.ToListAsync());
    }
}

public sealed class CompiledPageQueryTestsOnSqlite(SqliteFactory app) : CompiledPageQueryTests(app), IClassFixture<SqliteFactory>;

public sealed class CompiledPageQueryTestsOnPostgres(PostgresFactory app) : CompiledPageQueryTests(app), IClassFixture<PostgresFactory>;

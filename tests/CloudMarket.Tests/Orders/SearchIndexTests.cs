using System.Data.Common;
using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// PostgreSQL's search indexes keep GIN's pending list small (docs/performance.md, points 21 and 36). By default new
/// entries wait in an unsorted list of up to 4 MB that every search reads through: on the 1,000,000-order data set, after
/// a few thousand orders were placed, a rare term's name lookup took 4.3 ms of execution instead of 0.36, its request
/// 12 ms instead of 2.5–3.3. Without a list each order's and item's trigrams were written one by one, ~1 ms of
/// PostgreSQL's CPU per placed order. A 64-kB list is merged by the write that fills it, and a search reads a few pages.
/// </summary>
public sealed class SearchIndexTests : IAsyncLifetime
{
    private readonly PostgresFactory _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static readonly string[] SearchIndexes =
        ["IX_OrderItems_OfferName_Trgm", "IX_Orders_InternalNote_Trgm", "IX_Orders_Name_Trgm", "IX_Orders_Note_Trgm"];

    private Task<List<PendingEntries>> PendingAsync() => _app.WithDbAsync(db => db.Database.SqlQueryRaw<PendingEntries>("""
        SELECT c.relname AS "Index", (pgstatginindex(c.oid)).pending_pages AS "Pages", (pgstatginindex(c.oid)).pending_tuples AS "Tuples",
               array_to_string(c.reloptions, ',') AS "Options"
        FROM pg_class c JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE am.amname = 'gin' AND n.nspname = 'public'
        """).ToListAsync());

    [Fact]
    public async Task EntriesWaitInASmallPendingList_ThatSearchesRead_AndThatIsMergedWhenFull()
    {
        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("CREATE EXTENSION IF NOT EXISTS pgstattuple"));
        var anna = await _app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var zebras = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var id = (await anna.PostJsonAsync(OrdersUrl, new { name = $"Zebra renewal {i}", items = new[] { NewAcronis(2) } }, HttpStatusCode.Created)).Id();
            Assert.Equal(HttpStatusCode.OK, (await anna.NoteAsync(id, $"Call the zebra desk {i}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anna.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/internal-note", new { text = "Zebra: margin agreed" })).StatusCode);
            zebras.Add(id);
        }

        // Every search index of the model, each with its 64-kB list, and the new orders' entries waiting in it.
        var pending = await PendingAsync();
        Assert.Equal(SearchIndexes, pending.Select(p => p.Index).Order(StringComparer.Ordinal));
        Assert.All(pending, p => Assert.Equal("fastupdate=true,gin_pending_list_limit=64", p.Options));
        Assert.All(pending, p => Assert.True(p.Tuples > 0, $"{p.Index}: no entry waits in its pending list"));
        // A search finds what only the list holds yet.
        Assert.Equal(zebras.Order(), (await anna.AllPagesAsync("view=historical&state=all&q=zebra%20renewal")).Select(r => r.Id()).Order());

        // Thousands of names later (each write's trigrams into the list), no list has grown past its limit and a page:
        // the writes that filled it merged it into the index.
        await _app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("""
            DO $$ BEGIN FOR round IN 1..100 LOOP
              UPDATE "Orders" SET "Name" = 'Churned name ' || round || ' of ' || "Id" WHERE "CustomerId" = '8f5993ba-c690-c8ab-538d-55f46ba1337d';
            END LOOP; END $$
            """));
        pending = await PendingAsync();
        Assert.All(pending, p => Assert.True(p.Pages <= 64 / 8 + 1, $"{p.Index}: {p.Pages} pending pages, over its 64 kB"));
        var last = zebras[^1];
        Assert.Contains(last, (await anna.AllPagesAsync($"view=historical&state=all&q={Uri.EscapeDataString($"Churned name 100 of {last}")}")).Select(r => r.Id()));
    }

    private sealed record PendingEntries(string Index, int Pages, long Tuples, string Options);

    /// <summary>
    /// A search's index lookups reach PostgreSQL with nothing left to guess: the term, the customer and the limit are all
    /// written into the SQL (performance.md point 23). With the limit a parameter, a popular term's prepared lookup could
    /// run on a generic plan that assumed a small limit and read the whole items table (266–294 ms per search). A term on
    /// the customer's items is read by its offer names' items, in either sort (points 26 and 27: no platform-wide item
    /// lookup); a term in more of the customer's offer names than that reads (<see cref="OrderQueries.SearchMaxOfferNames"/>)
    /// is looked up in the items' trigram index.
    /// </summary>
    [Fact]
    public async Task ASearchsIndexLookups_CarryNoParameter_SoEachIsPlannedWithItsLimitKnown()
    {
        const string InManyNames = "Yak Suite";
        await _app.WithDbAsync(async db => await AddOrdersWithOfferNamesAsync(db,
            await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam), (await db.Orders.MinAsync(o => o.Date)).AddDays(-1),
            Enumerable.Range(0, OrderQueries.SearchMaxOfferNames + 1).Select(n => $"{InManyNames} {n}").ToList()));
        var connectionString = await _app.WithDbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
        var recorder = new StatementRecorder();
        await using var db = new CloudMarket.Data.PostgresAppDbContext(new DbContextOptionsBuilder<CloudMarket.Data.PostgresAppDbContext>()
            .UseAppNpgsql(connectionString).AddInterceptors(recorder).Options);
        var searches = new[] { ("acronis", OrderSort.Default), ("acronis", new OrderSort(OrderSortKey.Number, Ascending: false)), (InManyNames, OrderSort.Default) };
        foreach (var email in new[] { Demo.SellerAdmin, Demo.FabrikamAdmin })
            foreach (var (term, sort) in searches)
            {
                var ctx = await _app.CustomerContextAsync(email, Demo.Fabrikam);
                var filter = new OrderListFilter(OrderView.Historical, HistoricalState.All, Search: term, Sort: sort);
                Assert.NotEmpty((await OrderQueries.ListAsync(db, ctx, filter, cursor: null, limit: 25, default)).Items);
            }

        var lookups = recorder.Statements.Where(s => s.Sql.Contains(OrderQueries.SearchLookupTag)).ToList();
        // For each caller and search, one statement: whether the term is on the customer's items and on which names
        // (CustomerOfferNames), with the names' lookup (performance.md point 48); for the term in many names the items' lookup too.
        Assert.Equal(8, lookups.Count);
        Assert.All(lookups, s => Assert.Equal(0, s.Parameters));
        Assert.All(lookups.Where(s => !s.Sql.Contains("\"CustomerOfferNames\"", StringComparison.Ordinal)),
            s => Assert.Matches(@"LIMIT \d+::integer\s*$", s.Sql));
        Assert.All(lookups.Where(s => s.Sql.Contains("\"CustomerOfferNames\"", StringComparison.Ordinal)),
            s => Assert.Matches($@"(?s)UNION ALL.*\(\s*SELECT.*""Orders"".*LIMIT {OrderQueries.SearchIndexCap + 1}(::integer)?\s*\)", s.Sql));
        Assert.Equal(6, lookups.Count(s => s.Sql.Contains("\"CustomerOfferNames\"", StringComparison.Ordinal)));
        Assert.Equal(2, lookups.Count(s => s.Sql.Contains("\"OrderItems\"", StringComparison.Ordinal)));
        Assert.Equal(4, recorder.Statements.Count(s => s.Sql.Contains(OrderQueries.OfferNameItemsTag)));
        // The pages too: a search's page reaches PostgreSQL with its matches, term and customer written in (ValuesWrittenIn),
        // from SQL that EF Core wrote once and cached (performance.md points 2 and 49).
        var pages = recorder.Statements.Where(s => s.Sql.Contains(ValuesWrittenIn.Tag) && s.Sql.Contains("\"ScheduledFor\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(searches.Length * 2, pages.Count);
        Assert.All(pages, s => Assert.Equal(0, s.Parameters));
    }

    /// <summary>
    /// A search of a view with a set of statuses (Recent, Historical "Active") sends its page with the statuses written in like
    /// its other values: as constants they can match the predicate of the partial index <c>IX_Orders_Recent</c>, which a
    /// parameter never does in a prepared statement's generic plan; and the page's SQL is still EF Core's cached one
    /// (ValuesWrittenIn, performance.md point 49), or its compiled query's among the matches (point 50).
    /// </summary>
    [Theory]
    [InlineData(OrderView.Recent, HistoricalState.All)]
    [InlineData(OrderView.Historical, HistoricalState.Active)]
    public async Task ASearchOfAViewWithStatuses_SendsThemWrittenIn(OrderView view, HistoricalState state)
    {
        var connectionString = await _app.WithDbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
        var recorder = new StatementRecorder();
        await using var db = new CloudMarket.Data.PostgresAppDbContext(new DbContextOptionsBuilder<CloudMarket.Data.PostgresAppDbContext>()
            .UseAppNpgsql(connectionString).AddInterceptors(recorder).Options);
        var ctx = await _app.CustomerContextAsync(Demo.SellerAdmin, Demo.Fabrikam);

        await OrderQueries.ListAsync(db, ctx, new OrderListFilter(view, state, Search: "zzq-absent"), cursor: null, limit: 25, default);
        await OrderQueries.ListAsync(db, ctx, new OrderListFilter(view, state, Search: "acronis"), cursor: null, limit: 25, default);
        // Shorter than a trigram: no index lookup, the page walks the customer's orders (built per request, not compiled).
        await OrderQueries.ListAsync(db, ctx, new OrderListFilter(view, state, Search: "ac"), cursor: null, limit: 25, default);

        var pages = recorder.Statements.Where(s => s.Sql.Contains("\"ScheduledFor\"", StringComparison.Ordinal)
                                                  && s.Sql.Contains(ValuesWrittenIn.Tag, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pages);
        Assert.All(pages, s => Assert.Equal(0, s.Parameters));
        var statuses = OrderLifecycle.StatusesOf(view, state)!;
        // The compiled page among the matches has them as EF Core writes a constant list; a page built per request, written in.
        var asConstants = $"\"Status\" IN ({string.Join(", ", statuses.Select(x => $"'{x}'"))})";
        var writtenIn = $"\"Status\" = ANY (ARRAY[{string.Join(",", statuses.Select(x => $"E'{x}'::text"))}]::text[])";
        Assert.All(pages, s => Assert.True(s.Sql.Contains(asConstants, StringComparison.Ordinal) || s.Sql.Contains(writtenIn, StringComparison.Ordinal), s.Sql));
        Assert.Contains(pages, s => s.Sql.Contains(asConstants, StringComparison.Ordinal));
        Assert.Contains(pages, s => s.Sql.Contains(writtenIn, StringComparison.Ordinal));
    }

    /// <summary>
    /// A term on the customer's items in several offer names, their orders interleaved, is read by those names' items
    /// (performance.md point 26), each name's read stopping at a different place: page after page, in both sorts, the list
    /// is exactly the term's orders in the list's order, each once. The first page is read among its candidates by the
    /// compiled page (point 50): one statement with the orders' items, the candidates written in.
    /// </summary>
    [Theory]
    [InlineData("-date")]
    [InlineData("number")]
    public async Task ATermInSeveralOfferNames_IsListedInTheListsOrder_PageAfterPage(string sort)
    {
        const string Term = "Tapir Suite";
        const int Limit = 5;
        // Four names, their orders interleaved: each name's read stops at its sixth item, far from where the others' do.
        var tapirs = await _app.WithDbAsync(async db => await AddOrdersWithOfferNamesAsync(db,
            await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam), (await db.Orders.MinAsync(o => o.Date)).AddDays(-1),
            Enumerable.Range(0, 40).Select(n => $"{Term} {n % 4}").ToList()));
        var connectionString = await _app.WithDbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
        var recorder = new StatementRecorder();
        await using var db = new CloudMarket.Data.PostgresAppDbContext(new DbContextOptionsBuilder<CloudMarket.Data.PostgresAppDbContext>()
            .UseAppNpgsql(connectionString).AddInterceptors(recorder).Options);
        var ctx = await _app.CustomerContextAsync(Demo.SellerAdmin, Demo.Fabrikam);
        OrderSort.TryParse(sort, out var parsed);
        var filter = new OrderListFilter(OrderView.Historical, HistoricalState.All, Search: Term, Sort: parsed);

        var first = await OrderQueries.ListAsync(db, ctx, filter, cursor: null, Limit, default);
        var page = Assert.Single(recorder.Statements, s => s.Sql.Contains(ValuesWrittenIn.Tag, StringComparison.Ordinal)
                                                          && s.Sql.Contains("\"ScheduledFor\"", StringComparison.Ordinal));
        Assert.Equal(0, page.Parameters);
        Assert.Contains("\"OrderItems\"", page.Sql, StringComparison.Ordinal);
        Assert.Matches(@"""Id"" = ANY \(ARRAY\[\d+::bigint(,\d+::bigint)*\]::bigint\[\]\)", page.Sql);

        var listed = first.Items.Select(o => o.Id).ToList();
        for (var next = first.NextCursor; next is not null;)
        {
            var more = await OrderQueries.ListAsync(db, ctx, filter, next, Limit, default);
            listed.AddRange(more.Items.Select(o => o.Id));
            next = more.NextCursor;
        }
        // Every order of the term, newest or lowest number first (their dates rise with their numbers).
        Assert.Equal(sort == "number" ? tapirs : Enumerable.Reverse(tapirs), listed);
    }

    private sealed class StatementRecorder : DbCommandInterceptor
    {
        public List<(string Sql, int Parameters)> Statements { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Statements.Add((command.CommandText, command.Parameters.Count));
            return ValueTask.FromResult(result);
        }
    }
}

using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Keyset paging of the lists (orders.md: newest first by (date, order number); the cursor is the last
/// row's (date, id), so orders inserted while a client pages never make a row repeat or disappear).
/// Works on Wingtip Toys and Proseware Inc, which have no demo orders.
/// </summary>
public abstract class OrderPagingApiTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";

    private static object WingtipAcronis(int quantity) =>
        NewSubscription(DemoData.OfferIds.AcronisProtect, quantity, contact: new { email = "it@wingtip.example", firstName = "Wes", lastName = "Berg" });

    private async Task<HttpClient> Wingtip() => await app.ClientAsync(Demo.SellerAdmin, DemoData.Wingtip);

    private async Task EnsureOrdersAsync(HttpClient client, int count)
    {
        var existing = (await client.AllPagesAsync(All)).Count;
        for (var i = existing; i < count; i++)
            await client.CreateCartIdAsync(WingtipAcronis(1 + i % 50));
    }

    /// <summary>The customer's orders as the database sorts them: date descending, then id descending.</summary>
    private Task<List<long>> ExpectedOrderAsync(Guid customer) => app.WithDbAsync(async db =>
        (await db.Orders.Where(o => o.CustomerId == customer).Select(o => new { o.Id, o.Date }).ToListAsync())
        .OrderByDescending(o => o.Date).ThenByDescending(o => o.Id).Select(o => o.Id).ToList());

    private static void AssertNewestFirst(IReadOnlyList<JsonElement> rows)
    {
        for (var i = 1; i < rows.Count; i++)
        {
            var (d1, id1) = (rows[i - 1].GetProperty("date").GetDateTime(), rows[i - 1].Id());
            var (d2, id2) = (rows[i].GetProperty("date").GetDateTime(), rows[i].Id());
            Assert.True(d1 > d2 || (d1 == d2 && id1 > id2), $"row {i - 1} ({d1:O}, #{id1}) must come after row {i} ({d2:O}, #{id2}) in the list");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(23)]
    [InlineData(200)]
    public async Task WalkingAllPages_ReturnsEveryOrderExactlyOnce_NewestFirst(int limit)
    {
        var client = await Wingtip();
        await EnsureOrdersAsync(client, 23);
        var expected = await ExpectedOrderAsync(DemoData.Wingtip);

        var pages = await client.PagesAsync(All, limit);
        // Every page but the last is full.
        Assert.All(pages[..^1], page => Assert.Equal(limit, page.Count));
        Assert.InRange(pages[^1].Count, 0, limit);
        var rows = pages.SelectMany(p => p).ToList();

        Assert.Equal(expected, rows.Select(r => r.Id()));
        AssertNewestFirst(rows);
    }

    [Fact]
    public async Task DefaultLimit_Is25()
    {
        var client = await Wingtip();
        await EnsureOrdersAsync(client, 30);
        var page = await client.GetJsonAsync($"{OrdersUrl}?{All}");
        Assert.Equal(25, page.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.String, page.GetProperty("nextCursor").ValueKind);
        var total = (await ExpectedOrderAsync(DemoData.Wingtip)).Count;
        var one = await client.GetJsonAsync($"{OrdersUrl}?{All}&limit=200");
        Assert.Equal(Math.Min(total, 200), one.GetProperty("items").GetArrayLength());
        Assert.Equal(total <= 200, one.GetProperty("nextCursor").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task OrdersInsertedBetweenPageRequests_CauseNoDuplicatesAndNoSkips()
    {
        var client = await Wingtip();
        await EnsureOrdersAsync(client, 20);
        var before = await ExpectedOrderAsync(DemoData.Wingtip);

        var inserted = new List<long>();
        var rows = (await client.PagesAsync(All, 3, between: async () =>
        {
            // Someone else creates two orders (and places one) while this client reads the list.
            inserted.Add(await client.CreateCartIdAsync(WingtipAcronis(7)));
            var toPlace = await client.CreateCartIdAsync(WingtipAcronis(8));
            await (await client.PlaceAsync(toPlace)).JsonAsync(HttpStatusCode.Accepted);
            inserted.Add(toPlace);
        })).SelectMany(p => p).ToList();

        var seen = rows.Select(r => r.Id()).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(before, seen); // every pre-existing order once, in order; the newer ones belong before page one
        Assert.Empty(seen.Intersect(inserted));
        AssertNewestFirst(rows);
        // A fresh walk sees them all.
        Assert.Equal(before.Count + inserted.Count, (await client.AllPagesAsync(All)).Count);
    }

    [Fact]
    public async Task OrdersInsertedConcurrentlyWhilePaging_CauseNoDuplicatesAndNoSkips()
    {
        var reader = await Wingtip();
        var writer = await app.ClientAsync(Demo.AccountManager, DemoData.Wingtip);
        await EnsureOrdersAsync(reader, 20);
        var before = await ExpectedOrderAsync(DemoData.Wingtip);

        using var stop = new CancellationTokenSource();
        var writes = Task.Run(async () =>
        {
            var n = 0;
            do
            {
                await writer.CreateCartIdAsync(WingtipAcronis(9));
                n++;
            } while (!stop.IsCancellationRequested && n < 60);
            return n;
        });
        List<JsonElement> seen;
        try { seen = (await reader.PagesAsync(All, 2)).SelectMany(p => p).ToList(); }
        finally { stop.Cancel(); }
        var written = await writes;
        Assert.True(written > 0);

        var ids = seen.Select(r => r.Id()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Empty(before.Except(ids));
        // Rows before the pre-existing ones can only be orders created during the walk, on the first page.
        Assert.Equal(before, ids.Where(before.Contains));
        AssertNewestFirst(seen);
    }

    [Fact]
    public async Task OrdersWithTheSameDate_AreOrderedByIdAndNeverRepeatedOrSkipped()
    {
        var litware = await app.ClientAsync(Demo.LitwareAdmin, DemoData.Proseware);
        var contact = new { email = "it@proseware.example", firstName = "Pia", lastName = "Virtanen" };
        var ids = new List<long>();
        for (var i = 0; i < 9; i++)
            ids.Add(await litware.CreateCartIdAsync(NewSubscription(DemoData.OfferIds.AcronisProtect, i + 1, contact: contact)));
        // Seven of them share one date: the cursor must break the tie on the id.
        var tied = ids.Skip(1).Take(7).ToList();
        await app.WithDbAsync(async db =>
        {
            var date = await db.Orders.Where(o => o.Id == tied[0]).Select(o => o.Date).SingleAsync();
            return await db.Orders.Where(o => tied.Contains(o.Id)).ExecuteUpdateAsync(s => s.SetProperty(o => o.Date, date));
        });

        foreach (var limit in new[] { 1, 2, 3 })
        {
            var rows = await litware.AllPagesAsync(All, limit);
            Assert.Equal(await ExpectedOrderAsync(DemoData.Proseware), rows.Select(r => r.Id()));
            AssertNewestFirst(rows);
            Assert.Equal(tied.OrderDescending(), rows.Select(r => r.Id()).Where(tied.Contains));
        }
    }

    [Fact]
    public async Task ACursor_KeepsWorkingWithTheSameFilters()
    {
        var client = await Wingtip();
        await EnsureOrdersAsync(client, 10);
        var drafts = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var id = await client.CreateCartIdAsync(WingtipAcronis(3));
            await (await client.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);
            drafts.Add(id);
        }
        var rows = await client.AllPagesAsync("view=historical&state=draft", limit: 2);
        Assert.All(rows, r => Assert.Equal("draft", r.Status()));
        Assert.Superset(drafts.ToHashSet(), rows.Select(r => r.Id()).ToHashSet());
        AssertNewestFirst(rows);
    }
}

public sealed class OrderPagingApiTestsOnSqlite(SqliteFactory app) : OrderPagingApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderPagingApiTestsOnPostgres(PostgresFactory app) : OrderPagingApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The lists' sort (api.md Workspace, <c>sort=</c>): by date, number or status, both ways; keyset paging
/// follows the sort, so walking every page lists each order exactly once in the sort's order, ties
/// included; a bad sort, or a cursor of another sort, is a 400 naming the field. Works on Wingtip Toys,
/// which has no demo orders, with carts, drafts, deleted carts and placed orders, some sharing a date.
/// </summary>
public abstract class OrderSortingApiTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";

    private Task<HttpClient> Wingtip() => app.ClientAsync(Demo.SellerAdmin, DemoData.Wingtip);

    private static object Acronis(int quantity) =>
        NewSubscription(DemoData.OfferIds.AcronisProtect, quantity, contact: new { email = "it@wingtip.example", firstName = "Wes", lastName = "Berg" });

    /// <summary>
    /// 17 orders in four statuses, five of them with one shared date (ties the cursor must break on the number);
    /// made once per database (the tests of a class run one after another).
    /// </summary>
    private async Task<HttpClient> ArrangedAsync()
    {
        var client = await Wingtip();
        if ((await client.AllPagesAsync(All)).Count >= 17) return client;
        var ids = new List<long>();
        for (var i = 0; i < 17; i++)
            ids.Add(await client.CreateCartIdAsync(Acronis(1 + i)));
        foreach (var id in ids.Where((_, i) => i % 4 == 1))
            await (await client.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);
        foreach (var id in ids.Where((_, i) => i % 4 == 2))
            await client.DeleteJsonAsync($"{OrdersUrl}/{id}", HttpStatusCode.OK);
        foreach (var id in ids.Where((_, i) => i % 4 == 3))
            await (await client.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        var tied = ids.Where((_, i) => i % 3 == 0).Take(5).ToList();
        await app.WithDbAsync(async db =>
        {
            var date = await db.Orders.Where(o => o.Id == tied[0]).Select(o => o.Date).SingleAsync();
            return await db.Orders.Where(o => tied.Contains(o.Id)).ExecuteUpdateAsync(s => s.SetProperty(o => o.Date, date));
        });
        return client;
    }

    /// <summary>Wingtip's orders as the sort defines them, computed here from the rows, not by the app's query.</summary>
    private Task<List<long>> ExpectedAsync(string sort, Func<OrderStatus, bool>? statuses = null) => app.WithDbAsync(async db =>
    {
        var rows = (await db.Orders.Where(o => o.CustomerId == DemoData.Wingtip).Select(o => new { o.Id, o.Date, o.Status }).ToListAsync())
            .Where(o => statuses?.Invoke(o.Status) ?? true).ToList();
        var newestFirst = rows.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id);
        var sorted = sort switch
        {
            "date" => rows.OrderBy(o => o.Date).ThenBy(o => o.Id),
            "-date" => newestFirst,
            "number" => rows.OrderBy(o => o.Id),
            "-number" => rows.OrderByDescending(o => o.Id),
            // By the status's API name, newest first within a status, whichever way the statuses go.
            "status" => rows.OrderBy(o => ApiNames.Of(o.Status), StringComparer.Ordinal).ThenByDescending(o => o.Date).ThenByDescending(o => o.Id),
            "-status" => rows.OrderByDescending(o => ApiNames.Of(o.Status), StringComparer.Ordinal).ThenByDescending(o => o.Date).ThenByDescending(o => o.Id),
            _ => throw new ArgumentException(sort),
        };
        return sorted.Select(o => o.Id).ToList();
    });

    public static TheoryData<string, int> SortsAndPageSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var sort in OrderSort.Names)
            foreach (var limit in new[] { 1, 4, 25 })
                data.Add(sort, limit);
        return data;
    }

    [Theory]
    [MemberData(nameof(SortsAndPageSizes))]
    public async Task WalkingEveryPage_ListsEachOrderOnce_InTheSortsOrder(string sort, int limit)
    {
        var client = await ArrangedAsync();
        var expected = await ExpectedAsync(sort);
        Assert.True(expected.Count >= 17);

        var pages = await client.PagesAsync($"{All}&sort={Uri.EscapeDataString(sort)}", limit);
        Assert.All(pages[..^1], page => Assert.Equal(limit, page.Count));
        var ids = pages.SelectMany(p => p).Select(r => r.Id()).ToList();
        Assert.Equal(expected, ids);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("-status")]
    [InlineData("number")]
    [InlineData("date")]
    public async Task TheSort_FollowsTheViewAndTheFilters(string sort)
    {
        var client = await ArrangedAsync();
        // Recent view: carts and deleted carts (the placed orders are in Historical).
        var recent = (await client.AllPagesAsync($"sort={sort}", limit: 3)).Select(r => r.Id()).ToList();
        Assert.Equal(await ExpectedAsync(sort, OrderLifecycle.RecentStatuses.Contains), recent);
        var drafts = (await client.AllPagesAsync($"view=historical&state=draft&sort={sort}", limit: 2)).Select(r => r.Id()).ToList();
        Assert.Equal(await ExpectedAsync(sort, s => s == OrderStatus.Draft), drafts);
        var deleted = (await client.AllPagesAsync($"{All}&status=deleted&sort={sort}", limit: 2)).Select(r => r.Id()).ToList();
        Assert.Equal(await ExpectedAsync(sort, s => s == OrderStatus.Deleted), deleted);
        Assert.NotEmpty(deleted);
    }

    [Fact]
    public async Task TheDefault_IsNewestFirst_AsMinusDate()
    {
        var client = await ArrangedAsync();
        var plain = (await client.AllPagesAsync(All, limit: 5)).Select(r => r.Id()).ToList();
        Assert.Equal(await ExpectedAsync("-date"), plain);
        Assert.Equal(plain, (await client.AllPagesAsync($"{All}&sort=-date", limit: 5)).Select(r => r.Id()).ToList());
    }

    [Fact]
    public async Task TheExport_ListsTheRowsInTheSortsOrder()
    {
        var client = await ArrangedAsync();
        var csv = await (await client.GetAsync($"{OrdersUrl}/export?{All}&sort=number")).Content.ReadAsStringAsync();
        var ids = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => long.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(await ExpectedAsync("number"), ids);
    }

    [Theory]
    [InlineData("Date")]
    [InlineData("dates")]
    [InlineData("+date")]
    [InlineData("--date")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData("date,number")]
    [InlineData("name")]
    public async Task AnUnknownSort_Is400NamingSort(string sort)
    {
        var client = await Wingtip();
        foreach (var path in new[] { OrdersUrl, $"{OrdersUrl}/export" })
        {
            var problem = await (await client.GetAsync($"{path}?sort={Uri.EscapeDataString(sort)}")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["sort"], problem.ErrorFields());
            Assert.Contains("-status", problem.GetProperty("errors").GetProperty("sort")[0].GetString());
        }
    }

    [Fact]
    public async Task ACursorOfAnotherSort_Is400_AndSoIsAForgedOne()
    {
        var client = await ArrangedAsync();
        foreach (var sort in OrderSort.Names)
        {
            var first = await client.GetJsonAsync($"{OrdersUrl}?{All}&limit=2&sort={sort}");
            var cursor = first.GetProperty("nextCursor").GetString()!;
            foreach (var other in OrderSort.Names.Where(o => o != sort))
            {
                var problem = await (await client.GetAsync($"{OrdersUrl}?{All}&limit=2&sort={other}&cursor={Uri.EscapeDataString(cursor)}"))
                    .ProblemAsync(HttpStatusCode.BadRequest);
                Assert.Equal(["cursor"], problem.ErrorFields());
            }
            // Without sort, the cursor of -date only.
            var plain = await client.GetAsync($"{OrdersUrl}?{All}&limit=2&cursor={Uri.EscapeDataString(cursor)}");
            Assert.Equal(sort == "-date" ? HttpStatusCode.OK : HttpStatusCode.BadRequest, plain.StatusCode);
        }
        static string B64(string s) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(s));
        foreach (var (sort, forged) in new[]
                 {
                     ("status", B64("status:noSuchStatus:1:1")), ("status", B64("status:1:1")), ("number", B64("number:x")),
                     ("number", B64("number:1:2")), ("date", B64("date:-5:1")), ("-date", B64("-date:99999999999999999999:1")),
                     ("-date", "not base64 !"), ("-date", B64("637000000000000000:5")),
                 })
        {
            var problem = await (await client.GetAsync($"{OrdersUrl}?{All}&sort={sort}&cursor={Uri.EscapeDataString(forged)}"))
                .ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["cursor"], problem.ErrorFields());
        }
    }

    [Fact]
    public async Task ACursor_KeepsPagingAfterTheOrderAtItsPositionChanged()
    {
        var client = await ArrangedAsync();
        var first = await client.GetJsonAsync($"{OrdersUrl}?{All}&limit=3&sort=status");
        var lastOfPage = first.GetProperty("items").EnumerateArray().Last().Id();
        // The order the cursor points at is deleted meanwhile (if it can be): paging goes on from the position, not the row.
        await client.DeleteAsync($"{OrdersUrl}/{lastOfPage}");
        var rest = new List<JsonElement>();
        var cursor = first.GetProperty("nextCursor").GetString();
        while (cursor is not null)
        {
            var page = await client.GetJsonAsync($"{OrdersUrl}?{All}&limit=3&sort=status&cursor={Uri.EscapeDataString(cursor)}");
            rest.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        var seen = first.GetProperty("items").EnumerateArray().Select(r => r.Id()).Concat(rest.Select(r => r.Id())).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }
}

public sealed class OrderSortingApiTestsOnSqlite(SqliteFactory app) : OrderSortingApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderSortingApiTestsOnPostgres(PostgresFactory app) : OrderSortingApiTests(app), IClassFixture<PostgresFactory>;

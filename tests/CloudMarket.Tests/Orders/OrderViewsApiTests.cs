using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The Recent and Historical lists (orders.md, "The two views"): each view shows exactly the statuses
/// orders.md assigns to it, for the demo orders of Fabrikam (one in every status) and for orders
/// created here.
/// </summary>
public abstract class OrderViewsApiTests(CloudMarketFactory app)
{
    private static readonly string[] Recent = ["deleted", "pendingApproval", "provisioningFailed", "provisioningFinished", "provisioningStarted", "scheduled", "started"];
    private static readonly string[] Active = ["cancelled", "completed", "completedWithErrors", "failed", "inProgress", "rejected"];
    private static readonly string[] DraftOnly = ["draft"];
    private static readonly string[] Every = [.. Recent, .. Active, .. DraftOnly];

    public static TheoryData<string> Viewers => new([.. Demo.CustomerLevelUsers, Demo.SellerAdmin, Demo.DistributorAdmin, Demo.SupportAgent]);

    private async Task<HttpClient> FabrikamClient(string email) =>
        await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);

    private static string[] StatusesOf(IEnumerable<JsonElement> rows) => rows.Select(r => r.Status()).Distinct().Order().ToArray();

    [Theory]
    [MemberData(nameof(Viewers))]
    public async Task EachView_ShowsExactlyItsStatuses_ForTheDemoOrdersOfFabrikam(string email)
    {
        var client = await FabrikamClient(email);
        Assert.Equal(Recent.Order(), StatusesOf(await client.AllPagesAsync()));
        Assert.Equal(Recent.Order(), StatusesOf(await client.AllPagesAsync("view=recent")));
        Assert.Equal(Active.Order(), StatusesOf(await client.AllPagesAsync("view=historical")));
        Assert.Equal(Active.Order(), StatusesOf(await client.AllPagesAsync("view=historical&state=active")));
        Assert.Equal(DraftOnly, StatusesOf(await client.AllPagesAsync("view=historical&state=draft")));
        Assert.Equal(Every.Order(), StatusesOf(await client.AllPagesAsync("view=historical&state=all")));
    }

    [Theory]
    [MemberData(nameof(Viewers))]
    public async Task HistoricalAll_IsEveryOrderOfTheCustomer_AndTheOtherViewsPartitionIt(string email)
    {
        var client = await FabrikamClient(email);
        var all = (await client.AllPagesAsync("view=historical&state=all")).Select(r => r.Id()).ToList();
        var recent = (await client.AllPagesAsync()).Select(r => r.Id()).ToList();
        var active = (await client.AllPagesAsync("view=historical&state=active")).Select(r => r.Id()).ToList();
        var drafts = (await client.AllPagesAsync("view=historical&state=draft")).Select(r => r.Id()).ToList();
        Assert.Equal(all.Order(), recent.Concat(active).Concat(drafts).Order());
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task OrdersCreatedHere_AppearInExactlyTheViewsOfTheirStatus()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var cart = await ida.CreateCartIdAsync(NewAcronis(1));
        var draft = await ida.CreateCartIdAsync(NewAcronis(2));
        await (await ida.ActAsync(draft, "draft")).JsonAsync(HttpStatusCode.OK);
        var deleted = await ida.CreateCartIdAsync(NewAcronis(3));
        await ida.DeleteJsonAsync($"{OrdersUrl}/{deleted}", HttpStatusCode.OK);
        var placed = await ida.CreateCartIdAsync(NewAcronis(4));
        await (await ida.PlaceAsync(placed)).JsonAsync(HttpStatusCode.Accepted);
        var failed = await ida.CreateCartIdAsync(NewAcronis(5));
        await (await ida.PlaceAsync(failed)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(failed, false);
        var finished = await ida.CreateCartIdAsync(NewAcronis(6));
        await (await ida.PlaceAsync(finished)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(finished, true);

        var views = new Dictionary<string, HashSet<long>>
        {
            ["recent"] = (await ida.AllPagesAsync()).Select(r => r.Id()).ToHashSet(),
            ["active"] = (await ida.AllPagesAsync("view=historical&state=active")).Select(r => r.Id()).ToHashSet(),
            ["draft"] = (await ida.AllPagesAsync("view=historical&state=draft")).Select(r => r.Id()).ToHashSet(),
            ["all"] = (await ida.AllPagesAsync("view=historical&state=all")).Select(r => r.Id()).ToHashSet(),
        };
        void In(long id, string expected)
        {
            foreach (var view in new[] { "recent", "active", "draft" })
                Assert.True(views[view].Contains(id) == (view == expected),
                    $"order {id}: expected only in {expected}, but {(views[view].Contains(id) ? "found" : "missing")} in {view}");
            Assert.Contains(id, views["all"]);
        }
        In(cart, "recent");
        In(draft, "draft");
        In(deleted, "recent");
        In(placed, "active");
        In(failed, "recent");
        In(finished, "recent");
    }

    [Fact]
    public async Task HistoricalAll_IsTheDetailedView_WithItemsPaymentAndTotals_AndTheOthersAreNot()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var all = await anna.AllPagesAsync("view=historical&state=all");
        Assert.All(all, row =>
        {
            var details = row.GetProperty("details");
            Assert.Equal(row.GetProperty("itemCount").GetInt32(), details.GetProperty("items").GetArrayLength());
            Assert.Contains(details.GetProperty("paymentMethod").GetString(), new[] { "invoice", "card" });
            Assert.All(details.GetProperty("totals").EnumerateArray(), t => Assert.Equal("EUR", t.GetProperty("periodTotal").GetProperty("currency").GetString()));
            foreach (var item in details.GetProperty("items").EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(item.GetProperty("description").GetString()));
                Assert.True(item.GetProperty("quantity").GetInt32() >= 0);
                Assert.Contains(item.GetProperty("billingCycle").GetString(), new[] { "monthly", "annual" });
                Assert.Equal(JsonValueKind.Number, item.GetProperty("periodPrice").GetProperty("amount").ValueKind);
            }
        });
        // The demo's completed E3 purchase: 10 × 39.60 + Teams Audio 10 × 4.22 (per month, Contoso's 20%).
        var e3 = all.Single(r => r.GetProperty("requestedChanges").Strings().Contains("New subscription: Microsoft 365 E3 × 10"));
        var monthly = Assert.Single(e3.GetProperty("details").GetProperty("totals").EnumerateArray());
        Assert.Equal("monthly", monthly.GetProperty("billingCycle").GetString());
        Assert.Equal(396.00m + 42.20m, monthly.GetProperty("periodTotal").GetProperty("amount").GetDecimal());

        foreach (var query in new[] { "", "view=historical", "view=historical&state=draft" })
            Assert.All(await anna.AllPagesAsync(query), row => Assert.False(row.TryGetProperty("details", out _), query));
    }

    [Fact]
    public async Task Rows_CarryTheColumnsOfTheLists()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var rows = await anna.AllPagesAsync("view=historical&state=all");
        var seeded = rows.Single(r => r.GetProperty("note").ValueKind == JsonValueKind.String && r.GetProperty("note").GetString() == "PO 4471");
        Assert.Equal("completed", seeded.Status());
        Assert.Equal(1, seeded.GetProperty("itemCount").GetInt32());
        Assert.Equal(["New subscription: Microsoft 365 E3 × 10"], seeded.GetProperty("requestedChanges").Strings());
        var by = seeded.GetProperty("createdBy");
        Assert.Equal("Anna Berg", by.GetProperty("name").GetString());
        Assert.Equal("Contoso Cloud", by.GetProperty("organizationName").GetString());
        Assert.Equal("seller", by.GetProperty("organizationType").GetString());
        Assert.Equal(await app.UserIdAsync(Demo.SellerAdmin), by.GetProperty("userId").GetGuid());
        Assert.Matches(@"^Order #\d\d-\d\d-\d{4}$", seeded.GetProperty("name").GetString()!);

        // Date: placed orders show the placement, never-placed ones the creation.
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        var created = await ida.OrderAsync(id);
        Assert.Equal(created.GetProperty("createdAt").GetDateTime(), (await ida.AllPagesAsync()).Single(r => r.Id() == id).GetProperty("date").GetDateTime());
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        var row = (await ida.AllPagesAsync("view=historical")).Single(r => r.Id() == id);
        Assert.Equal(placed.GetProperty("placedAt").GetDateTime(), row.GetProperty("date").GetDateTime());
        Assert.True(row.GetProperty("date").GetDateTime() > created.GetProperty("createdAt").GetDateTime());
    }

    [Fact]
    public async Task StatusFilter_WorksWithinTheView()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        foreach (var status in Every)
        {
            var rows = await anna.AllPagesAsync($"view=historical&state=all&status={status}");
            Assert.NotEmpty(rows);
            Assert.All(rows, r => Assert.Equal(status, r.Status()));
        }
        // A status outside the view shows nothing rather than leaking into it.
        Assert.Empty(await anna.AllPagesAsync("view=recent&status=completed"));
        Assert.Empty(await anna.AllPagesAsync("view=historical&state=draft&status=started"));
        Assert.All(await anna.AllPagesAsync("status=provisioningFailed"), r => Assert.Equal("provisioningFailed", r.Status()));
    }

    [Fact]
    public async Task AStateOnTheRecentView_IsABadRequest()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var problem = await (await anna.GetAsync($"{OrdersUrl}?view=recent&state=draft")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("state", problem.ErrorFields());
    }

    [Fact]
    public async Task Lists_ShowOnlyTheCustomerInView()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var tailspin = await anna.AllPagesAsync("view=historical&state=all");
        var ids = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Tailspin).Select(o => o.Id).ToListAsync());
        Assert.Equal(ids.Order(), tailspin.Select(r => r.Id()).Order());
        var fabrikamIds = (await (await app.ClientAsync(Demo.FabrikamAdmin)).AllPagesAsync("view=historical&state=all")).Select(r => r.Id());
        Assert.Empty(fabrikamIds.Intersect(ids));
    }
}

public sealed class OrderViewsApiTestsOnSqlite(SqliteFactory app) : OrderViewsApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderViewsApiTestsOnPostgres(PostgresFactory app) : OrderViewsApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// "Why not" (workflow.md): beside <c>actions</c>, orders and subscriptions name each action the caller's role
/// could take but not now, with the reason — for orders from the transition table, for subscriptions from
/// their state and the cancellation window — and never a markup action for customer-level users.
/// </summary>
public abstract class WhyNotApiTests(CloudMarketFactory app)
{
    private static Dictionary<string, string> Unavailable(JsonElement resource) =>
        resource.GetProperty("unavailableActions").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("reason").GetString()!);

    private static List<string> Actions(JsonElement resource) => resource.GetProperty("actions").Strings().ToList();

    [Fact]
    public async Task AnOrder_NamesTheActionsItsStatusRefuses_WithTheTablesWords_AndNothingForReadOnlyRoles()
    {
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var cart = await seller.CreateCartAsync(NewAcronis());
        Assert.Equal(["edit", "place", "saveAsDraft", "delete", "editNote"], Actions(cart));
        Assert.Equal(new Dictionary<string, string>
        {
            ["resume"] = "An order in status started cannot be resumed; only draft orders can.",
            ["retry"] = "An order in status started cannot be retried; only provisioningFailed orders can.",
            ["close"] = "An order in status started cannot be closed; only provisioningFailed orders can.",
            ["cancel"] = "An order in status started cannot be cancelled; only pendingApproval or scheduled orders can.",
        }, Unavailable(cart));
        // Every action a buyer could take appears once: available now or unavailable with a reason.
        var everything = Actions(cart).Concat(Unavailable(cart).Keys).ToList();
        Assert.Equal(everything.Distinct().Count(), everything.Count);

        // Being provisioned: nothing but the note, and the reasons say the worker has it.
        var inFlight = await seller.OrderAsync(await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningStarted));
        Assert.Equal(["editNote"], Actions(inFlight));
        var reasons = Unavailable(inFlight);
        Assert.Equal(["edit", "place", "saveAsDraft", "resume", "retry", "close", "cancel", "delete"], reasons.Keys);
        Assert.Equal("This order was already placed; it is now provisioningStarted. The order is being provisioned; the vendors' answers decide what comes next.", reasons["place"]);
        Assert.StartsWith("An order in status provisioningStarted cannot be retried; only provisioningFailed orders can.", reasons["retry"]);
        Assert.True(OrderLifecycle.MayAllowLater(OrderStatus.ProvisioningStarted, OrderAction.Retry));
        Assert.False(OrderLifecycle.MayAllowLater(OrderStatus.Completed, OrderAction.Retry));

        var support = await app.ClientAsync(Demo.SupportAgent, Demo.Fabrikam);
        Assert.Empty(Unavailable(await support.OrderAsync(cart.Id())));
    }

    [Fact]
    public async Task ASubscription_OffersItsChanges_AndSaysWhyNot_TheClosedWindowWithItsDeadline()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var e3 = await app.WithDbAsync(db => db.Subscriptions.AsNoTracking().SingleAsync(s => s.Id == Demo.FabrikamE3));
        var deadline = $"{e3.CurrentTermStart.AddHours(168):yyyy-MM-dd HH:mm} UTC";

        var closed = await ida.GetJsonAsync($"/api/v1/subscriptions/{Demo.FabrikamE3}");
        Assert.Equal(["increase", "suspend", "changeAutoRenew"], Actions(closed));
        Assert.Equal(new Dictionary<string, string>
        {
            ["decrease"] = $"Licences can be decreased only until {deadline}, 7 days after the purchase or the last renewal.",
            ["cancel"] = $"A subscription can be cancelled only until {deadline}, 7 days after the purchase or the last renewal.",
            ["reactivate"] = "Only a suspended subscription can be reactivated.",
        }, Unavailable(closed));

        // The same words as placing such an item.
        var refused = await (await ida.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { CancelItem(Demo.FabrikamE3) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(Unavailable(closed)["cancel"], refused.GetProperty("errors").GetProperty("items[0].subscriptionId")[0].GetString());

        var bitdefender = await ida.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamBitdefender}");
        Assert.Equal("Bitdefender GravityZone Business Security cannot be suspended.", Unavailable(bitdefender)["suspend"]);
        Assert.Contains("decrease", Actions(bitdefender)); // no window: any time
        var suspended = await ida.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamAcronis}");
        Assert.Equal("Only an active subscription can be suspended.", Unavailable(suspended)["suspend"]);
        Assert.Contains("reactivate", Actions(suspended));

        var anna = await app.ClientAsync(Demo.SellerAdmin, DemoData.Wingtip);
        var open = await anna.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.WingtipBasic}");
        Assert.Equal(["increase", "decrease", "cancel", "suspend", "changeAutoRenew", "changeMarkup"], Actions(open));
    }

    [Fact]
    public async Task ACancelledSubscription_SaysSoForEveryChange()
    {
        var id = DemoData.SubscriptionIds.TailspinAcronis;
        await app.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SubscriptionStatus.Cancelled)));
        try
        {
            var tom = await app.ClientAsync(Demo.TailspinAdmin);
            var cancelled = await tom.GetJsonAsync($"/api/v1/subscriptions/{id}");
            Assert.Empty(Actions(cancelled));
            Assert.Equal(["increase", "decrease", "cancel", "suspend", "reactivate", "changeAutoRenew"], Unavailable(cancelled).Keys);
            Assert.All(Unavailable(cancelled).Values, r => Assert.Equal("The subscription was cancelled; it can no longer be changed.", r));
        }
        finally
        {
            await app.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SubscriptionStatus.Active)));
        }
    }

    [Fact]
    public async Task MarkupActions_AreNeverNamedToCustomerLevelUsers_NorToRolesThatMayNotChangeIt()
    {
        foreach (var user in Demo.CustomerLevelUsers.Append(Demo.SubscriptionsManager))
        {
            var client = user.Contains("contoso") ? await app.ClientAsync(user, Demo.Fabrikam) : await app.ClientAsync(user);
            var sub = await client.GetJsonAsync($"/api/v1/subscriptions/{Demo.FabrikamE3}");
            var named = Actions(sub).Concat(Unavailable(sub).Keys).Concat(Unavailable(sub).Values).ToList();
            Assert.DoesNotContain(named, n => n.Contains("arkup", StringComparison.Ordinal));
        }
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        Assert.Contains("changeMarkup", Actions(await seller.GetJsonAsync($"/api/v1/subscriptions/{Demo.FabrikamE3}")));
    }
}

public sealed class WhyNotApiTestsOnSqlite(SqliteFactory app) : WhyNotApiTests(app), IClassFixture<SqliteFactory>;
public sealed class WhyNotApiTestsOnPostgres(PostgresFactory app) : WhyNotApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// A subscription's "orders that changed it" (orders.md, Subscription details; issue 10 §6.5): each
/// completed or completedWithErrors order with an item its vendor carried out on the subscription,
/// once, newest first, including the order that created it; never carts, drafts, deleted, in-flight
/// or failed orders, nor an item the vendor rejected; markup-only changes hidden from customer-level users.
/// </summary>
public abstract class SubscriptionOrdersApiTests(CloudMarketFactory app)
{
    private static string SubscriptionUrl(Guid id) => $"/api/v1/subscriptions/{id}";

    private static List<JsonElement> Orders(JsonElement subscription) => subscription.GetProperty("orders").EnumerateArray().ToList();

    private static List<long> OrderIds(JsonElement subscription) => Orders(subscription).Select(o => o.GetProperty("id").GetInt64()).ToList();

    /// <summary>The demo's completed order that bought Fabrikam's E3 (with Teams Audio as its add-on).</summary>
    private Task<long> E3PurchaseAsync() => app.WithDbAsync(db => db.Orders
        .Where(o => o.CustomerId == Demo.Fabrikam && o.Status == OrderStatus.Completed
                    && o.Items.Any(i => i.Kind == OrderItemKind.NewSubscription && i.OfferId == DemoData.OfferIds.E3))
        .Select(o => o.Id).SingleAsync());

    [Fact]
    public async Task TheDemosE3_ListsTheOrderThatCreatedIt_AndTheMarkupReview_OnceEach_ForTheSeller()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var e3 = await anna.GetJsonAsync(SubscriptionUrl(DemoData.SubscriptionIds.FabrikamE3));
        // Not the cart that raises its licences, nor the deleted auto-renewal change.
        Assert.Equal([await app.OrderNamedAsync("Markup review Q3"), await E3PurchaseAsync()], OrderIds(e3));
        Assert.All(Orders(e3), o => Assert.Equal("completed", o.GetProperty("status").GetString()));
        Assert.Equal("New subscription: Microsoft 365 E3 × 10", Orders(e3)[1].GetProperty("change").GetString());
    }

    [Theory]
    [InlineData(Demo.FabrikamAdmin)]
    [InlineData(Demo.FabrikamCustomer)]
    [InlineData(Demo.FabrikamBilling)]
    public async Task TheDemosE3_ForCustomerLevelUsers_ListsOnlyTheOrderThatCreatedIt(string email)
    {
        var client = await app.ClientAsync(email);
        Assert.Equal([await E3PurchaseAsync()], OrderIds(await client.GetJsonAsync(SubscriptionUrl(DemoData.SubscriptionIds.FabrikamE3))));
    }

    [Fact]
    public async Task AnAddOn_ListsTheOrderThatCreatedItWithItsParent()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        Assert.Equal([await E3PurchaseAsync()], OrderIds(await ida.GetJsonAsync(SubscriptionUrl(DemoData.SubscriptionIds.FabrikamTeamsAudio))));
    }

    [Fact]
    public async Task OnlyCompletedOrdersThatChangedIt_AreListed_OnceEach_WithEveryChangeTheyMade()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var bitdefender = DemoData.SubscriptionIds.FabrikamBitdefender;
        var quantity = (await anna.GetJsonAsync(SubscriptionUrl(bitdefender))).GetProperty("quantity").GetInt32();

        // A: two changes of Bitdefender and a new Acronis subscription, all carried out.
        var a = await anna.CreateCartIdAsync(Increase(bitdefender, quantity + 5), AutoRenew(bitdefender, true), NewAcronis(2));
        await (await anna.PlaceAsync(a)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(a);
        await app.CompleteAsync(a);
        // B: Bitdefender's markup (seller side only) and another Acronis purchase.
        var b = await anna.CreateCartIdAsync(Markup(bitdefender, 30), NewAcronis(1));
        await (await anna.PlaceAsync(b)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(b);
        await app.CompleteAsync(b);
        // C: the vendor rejects the Bitdefender increase, the rest succeeds: completedWithErrors, but Bitdefender unchanged.
        var c = await anna.CreateCartIdAsync(Increase(bitdefender, quantity + 9), NewAcronis(1));
        await (await anna.PlaceAsync(c)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(c, false, true);
        Assert.Equal("completedWithErrors", (await (await anna.ActAsync(c, "close")).JsonAsync(HttpStatusCode.OK)).Status());
        // A cart, a deleted cart and a placed order still in flight changed nothing yet.
        await anna.CreateCartIdAsync(Decrease(bitdefender, quantity - 1)); // (Bitdefender cannot be suspended: refused before the cart)
        var deleted = await anna.CreateCartIdAsync(AutoRenew(bitdefender, false));
        await anna.DeleteJsonAsync($"{OrdersUrl}/{deleted}", HttpStatusCode.OK);
        var inFlight = await anna.CreateCartIdAsync(Increase(bitdefender, quantity + 7));
        await (await anna.PlaceAsync(inFlight)).JsonAsync(HttpStatusCode.Accepted);

        var seller = await anna.GetJsonAsync(SubscriptionUrl(bitdefender));
        Assert.Equal([b, a], OrderIds(seller));
        Assert.Equal($"Increase licences: Bitdefender GravityZone Business Security, {quantity} → {quantity + 5}; Auto-renewal enabled: Bitdefender GravityZone Business Security",
            Orders(seller)[1].GetProperty("change").GetString());

        // The customer does not see B: it changed only Bitdefender's markup.
        var customer = await (await app.ClientAsync(Demo.FabrikamAdmin)).GetJsonAsync(SubscriptionUrl(bitdefender));
        Assert.Equal([a], OrderIds(customer));
        Assert.DoesNotContain("markup", customer.GetProperty("orders").GetRawText(), StringComparison.OrdinalIgnoreCase);

        // The Acronis subscription A created lists A, the order that created it.
        var created = (await anna.OrderAsync(a)).ItemOfKind("newSubscription").GetProperty("subscriptionId").GetGuid();
        var acronis = await anna.GetJsonAsync(SubscriptionUrl(created));
        Assert.Equal([a], OrderIds(acronis));
        Assert.Equal("New subscription: Acronis Cyber Protect Standard × 2", Orders(acronis)[0].GetProperty("change").GetString());
    }
}

public sealed class SubscriptionOrdersApiTestsOnSqlite(SqliteFactory app) : SubscriptionOrdersApiTests(app), IClassFixture<SqliteFactory>;
public sealed class SubscriptionOrdersApiTestsOnPostgres(PostgresFactory app) : SubscriptionOrdersApiTests(app), IClassFixture<PostgresFactory>;

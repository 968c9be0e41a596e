using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Features.Provisioning;
using CloudMarket.Data;
using CloudMarket.VendorSandbox;
using CloudMarket.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

public sealed class ProvisioningSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => FastProvisioning.Settings();
}

public sealed class ProvisioningPostgresFactory : PostgresFactory
{
    protected override IDictionary<string, string?> Settings => FastProvisioning.Settings();
}

/// <summary>
/// The whole pipeline with the worker running and the in-process sandbox answering over real HTTP:
/// place → vendor → item answers → order status → subscriptions.
/// </summary>
public abstract class ProvisioningApiTests(CloudMarketFactory app)
{
    private VendorSandboxServer Sandbox => app.Services.GetRequiredService<InProcessVendorSandbox>().Server;

    private Task<HttpClient> SellerAsync() => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);

    private IReadOnlyList<SandboxPurchase> PurchasesFor(JsonElement order) =>
        Sandbox.State.Purchases.Where(p => order.GetProperty("items").EnumerateArray()
            .Any(i => ItemOf(p) == Key(i.GetProperty("id").GetGuid()))).ToList();

    [Fact]
    public async Task CleanOrder_Completes_AndItsSubscriptionsChange()
    {
        var client = await SellerAsync();
        var before = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamExchange}");
        var tenant = $"fab{Guid.NewGuid().ToString("N")[..10]}.onmicrosoft.com";
        var id = await PlaceAsync(client, "Clean order",
            NewMicrosoft(tenant, 5, null, new { offerId = DemoData.OfferIds.TeamsAudio, quantity = 2 }),
            NewAcronis(4),
            Increase(DemoData.SubscriptionIds.FabrikamExchange, before.GetProperty("quantity").GetInt32() + 3));

        var order = await WaitForAsync(client, id, FinalOrWaiting);

        Assert.Equal("completed", order.GetProperty("status").GetString());
        Assert.All(order.GetProperty("items").EnumerateArray(), i => Assert.Equal("provisioningFinished", i.GetProperty("provisioningStatus").GetString()));
        var statuses = order.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("to").GetString()).Distinct().ToList();
        Assert.Equal(["started", "inProgress", "provisioningStarted", "provisioningFinished", "completed"], statuses);

        var exchange = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamExchange}");
        Assert.Equal(before.GetProperty("quantity").GetInt32() + 3, exchange.GetProperty("quantity").GetInt32());
        var newPremium = order.Item(i => i.GetProperty("offerId").GetString() == DemoData.OfferIds.BusinessPremium);
        var premium = await client.GetJsonAsync($"/api/v1/subscriptions/{newPremium.GetProperty("subscriptionId").GetGuid()}");
        Assert.Equal(5, premium.GetProperty("quantity").GetInt32());
        Assert.Equal(tenant, premium.GetProperty("tenantName").GetString());
        var subscriptions = (await client.GetJsonAsync("/api/v1/subscriptions")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(subscriptions, s => s.GetProperty("offerId").GetString() == DemoData.OfferIds.TeamsAudio && s.GetProperty("quantity").GetInt32() == 2);

        // One vendor purchase per item: the premium checkout (with its add-on line), the Acronis purchase, the Exchange change.
        var purchases = PurchasesFor(order);
        Assert.Equal(3, purchases.GroupBy(ItemOf).Count());
        Assert.Equal(4, purchases.Count);
    }

    [Fact]
    public async Task BadAdminEmail_EndsProvisioningFailedWithTheVendorsMessage_AndRetryWithACorrectedEmailCompletes()
    {
        var client = await SellerAsync();
        var id = await PlaceAsync(client, "Bad e-mail", NewAcronis(2, BadContact));

        var failed = await WaitForAsync(client, id, FinalOrWaiting);

        Assert.Equal("provisioningFailed", failed.GetProperty("status").GetString());
        var item = failed.GetProperty("items")[0];
        Assert.Equal("provisioningFailed", item.GetProperty("provisioningStatus").GetString());
        Assert.Equal("AdminEmailUnreachable", item.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("nobody@invalid.example", item.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains(failed.GetProperty("events").EnumerateArray(), e =>
            e.GetProperty("to").GetString() == "provisioningFailed" && e.GetProperty("reason").GetString()!.Contains("cannot be delivered"));
        Assert.Empty(PurchasesFor(failed));

        await client.PostJsonAsync($"/api/v1/orders/{id}/retry", new
        {
            items = new[] { new { itemId = item.GetProperty("id").GetGuid(), adminContact = FabrikamContact } },
        }, HttpStatusCode.OK);
        var completed = await WaitForAsync(client, id, FinalOrWaiting);

        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var retried = completed.GetProperty("items")[0];
        Assert.Equal("it@fabrikam.example", retried.GetProperty("adminContact").GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, retried.GetProperty("error").ValueKind);
        Assert.Single(PurchasesFor(completed));
    }

    [Fact]
    public async Task MixedOrder_WithOneRejectedItem_ClosesAsCompletedWithErrors_ApplyingOnlyTheSucceededItem()
    {
        var client = await SellerAsync();
        var e3 = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        var quantity = e3.GetProperty("quantity").GetInt32();
        var acronisBefore = await CountAsync(client, DemoData.OfferIds.AcronisProtect);
        var id = await PlaceAsync(client, "Mixed", Increase(DemoData.SubscriptionIds.FabrikamE3, quantity + 2), NewAcronis(1, BadContact));

        var failed = await WaitForAsync(client, id, FinalOrWaiting);
        Assert.Equal("provisioningFailed", failed.GetProperty("status").GetString());
        // Nothing is applied while the order waits for a decision.
        Assert.Equal(quantity, (await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}")).GetProperty("quantity").GetInt32());

        var closed = await client.PostJsonAsync($"/api/v1/orders/{id}/close", null, HttpStatusCode.OK);

        Assert.Equal("completedWithErrors", closed.GetProperty("status").GetString());
        Assert.Equal(quantity + 2, (await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}")).GetProperty("quantity").GetInt32());
        Assert.Equal(acronisBefore, await CountAsync(client, DemoData.OfferIds.AcronisProtect)); // the rejected purchase created nothing
    }

    private static async Task<int> CountAsync(HttpClient client, string offerId) =>
        (await client.GetJsonAsync("/api/v1/subscriptions")).GetProperty("items").EnumerateArray()
            .Count(s => s.GetProperty("offerId").GetString() == offerId);

    [Fact]
    public async Task DecreaseOutsideTheCancellationWindow_IsRefusedBeforePlacing_WhileADecreaseRightAfterPurchaseCompletes()
    {
        var client = await SellerAsync();
        var e3 = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        var quantity = e3.GetProperty("quantity").GetInt32();

        // The platform knows the window (the vendor would refuse it the same way): never placed, never sent. Down to
        // one licence: below what any recent increase by another test of this class added (those licences have a window of their own).
        var late = await client.PostAsJsonAsync("/api/v1/orders", new { name = "Late decrease", items = new[] { Decrease(DemoData.SubscriptionIds.FabrikamE3, 1) } });
        var problem = await late.JsonAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("Licences can be decreased only until ", problem.GetProperty("errors").GetProperty("items[0].quantity")[0].GetString());
        Assert.Equal(quantity, (await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}")).GetProperty("quantity").GetInt32());

        var bought = await WaitForAsync(client, await PlaceAsync(client, "Fresh purchase",
            NewMicrosoft($"fresh{Guid.NewGuid().ToString("N")[..10]}", 10)), FinalOrWaiting);
        var fresh = bought.GetProperty("items")[0].GetProperty("subscriptionId").GetGuid();
        Assert.NotEqual(JsonValueKind.Null, (await client.GetJsonAsync($"/api/v1/subscriptions/{fresh}")).GetProperty("cancellableUntil").ValueKind);
        var decreased = await WaitForAsync(client, await PlaceAsync(client, "Early decrease", Decrease(fresh, 7)), FinalOrWaiting);

        Assert.Equal("completed", decreased.GetProperty("status").GetString());
        Assert.Equal(7, (await client.GetJsonAsync($"/api/v1/subscriptions/{fresh}")).GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task TakenTenantName_IsRejected_AndRetryWithAnotherTenantSendsOnlyThatItemAgain()
    {
        var client = await SellerAsync();
        var failed = await WaitForAsync(client, await PlaceAsync(client, "Taken tenant", NewMicrosoft("contoso.onmicrosoft.com"), NewAcronis(2)), FinalOrWaiting);
        var item = failed.Item(i => i.GetProperty("offerId").GetString() == DemoData.OfferIds.BusinessPremium);
        Assert.Equal("DomainAlreadyExists", item.GetProperty("error").GetProperty("code").GetString());
        var purchasesBeforeRetry = PurchasesFor(failed);
        Assert.Single(purchasesBeforeRetry); // the Acronis item went through

        var tenant = $"fab{Guid.NewGuid().ToString("N")[..10]}.onmicrosoft.com";
        await client.PostJsonAsync($"/api/v1/orders/{failed.GetProperty("id").GetInt64()}/retry",
            new { items = new[] { new { itemId = item.GetProperty("id").GetGuid(), tenantName = tenant } } }, HttpStatusCode.OK);
        var completed = await WaitForAsync(client, failed.GetProperty("id").GetInt64(), FinalOrWaiting);

        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(tenant, completed.Item(i => i.GetProperty("offerId").GetString() == DemoData.OfferIds.BusinessPremium).GetProperty("tenantName").GetString());
        // Only the failed item was sent again: the Acronis purchase is still the one from before.
        var purchases = PurchasesFor(completed);
        Assert.Equal(2, purchases.Count);
        Assert.Contains(purchasesBeforeRetry[0], purchases);
    }

    [Fact]
    public async Task MarkupChange_CompletesWithoutAskingAnyVendor()
    {
        var client = await SellerAsync();
        var order = await WaitForAsync(client, await PlaceAsync(client, "Markup only",
            new { kind = "changeMarkup", subscriptionId = DemoData.SubscriptionIds.FabrikamAcronis, markupPercent = 22.5m }), FinalOrWaiting);

        Assert.Equal("completed", order.GetProperty("status").GetString());
        Assert.Empty(PurchasesFor(order));
        var sub = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamAcronis}");
        Assert.Equal(22.5m, sub.GetProperty("priceDetails").GetProperty("markupPercent").GetDecimal());
    }

    [Fact]
    public async Task WithThirtyPercentTransientFaultsAndTimeouts_EveryOrderCompletes_AndEachItemIsPurchasedOnce()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        Sandbox.Faults.Set(new SandboxFaults
        {
            TooManyRequestsRate = 0.1, ServerErrorRate = 0.1, TimeoutRate = 0.1, RetryAfterSeconds = 0, TimeoutHangMs = 3000, Seed = 42,
        });
        try
        {
            var replaysBefore = Sandbox.State.Replays;
            var ids = await Task.WhenAll(Enumerable.Range(1, 16).Select(n => PlaceAsync(client, $"Faulty {n}",
                n % 2 == 0 ? NewAcronis(n) : NewMicrosoft($"tailspin{n}x{Guid.NewGuid().ToString("N")[..6]}", n),
                NewAcronis(1))));

            var orders = new List<JsonElement>();
            foreach (var id in ids)
                orders.Add(await WaitForAsync(client, id, FinalOrWaiting));

            Assert.All(orders, o => Assert.Equal("completed", o.GetProperty("status").GetString()));
            var purchases = orders.SelectMany(PurchasesFor).ToList();
            Assert.Equal(32, purchases.GroupBy(ItemOf).Count());
            // A Microsoft item is one checkout; an Acronis item one purchase: more would be a double purchase.
            Assert.Equal(32, purchases.Count);
            Assert.True(Sandbox.State.Replays > replaysBefore, "The faults should have made some calls repeat under the same key.");
        }
        finally
        {
            Sandbox.Faults.Set(new SandboxFaults());
        }
    }
}

[Collection(nameof(ProvisioningSqliteCollection))]
public sealed class ProvisioningSqliteApiTests(ProvisioningSqliteFactory app) : ProvisioningApiTests(app), IClassFixture<ProvisioningSqliteFactory>;

[Collection(nameof(ProvisioningPostgresCollection))]
public sealed class ProvisioningPostgresApiTests(ProvisioningPostgresFactory app) : ProvisioningApiTests(app), IClassFixture<ProvisioningPostgresFactory>;

[CollectionDefinition(nameof(ProvisioningSqliteCollection))]
public sealed class ProvisioningSqliteCollection;

[CollectionDefinition(nameof(ProvisioningPostgresCollection))]
public sealed class ProvisioningPostgresCollection;

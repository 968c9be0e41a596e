using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.VendorPolicies;
using CloudMarket.VendorSandbox;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Provisioning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The cancellation window through the whole pipeline (worker and in-process vendor sandbox, the app's
/// clock moved instead of waiting): it opens at the purchase and, for the licences an increase added, at
/// that increase; the platform refuses a late decrease or cancel before placing, naming the deadline that
/// passed, and the vendor sandbox, asked directly, refuses the same with the same words; a cancel inside
/// the window ends the subscription.
/// </summary>
public abstract class CancellationWindowFlowTests(CloudMarketFactory app)
{
    private static readonly TimeSpan Week = TimeSpan.FromHours(DemoData.MicrosoftCancellationWindowHours);

    private VendorSandboxServer Sandbox => app.Services.GetRequiredService<InProcessVendorSandbox>().Server;

    private DateTime Now => app.Clock.GetUtcNow().UtcDateTime;

    private Task<HttpClient> SellerAsync() => SignInAsync(Demo.SellerAdmin, Demo.Fabrikam);

    /// <summary>A freshly signed-in client: a token issued before the clock moved a week on has expired.</summary>
    private async Task<HttpClient> SignInAsync(string email, Guid? onBehalfOf = null)
    {
        using var anonymous = app.CreateClient();
        var token = await anonymous.PostJsonAsync("/api/v1/auth/token", new { email, password = CloudMarketFactory.DemoPassword }, HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        if (onBehalfOf is { } customer) client.DefaultRequestHeaders.Add("X-On-Behalf-Of", customer.ToString());
        return client;
    }

    /// <summary>Buys a Microsoft 365 Business Premium on a tenant of its own and waits until it is applied; returns its subscription id.</summary>
    private async Task<(Guid Subscription, JsonElement Order)> BuyPremiumAsync(HttpClient client, int quantity)
    {
        var id = await PlaceAsync(client, "Premium", NewMicrosoft($"win{Guid.NewGuid().ToString("N")[..12]}", quantity));
        var order = await WaitForAsync(client, id, FinalOrWaiting);
        Assert.Equal("completed", order.Status());
        return (order.Items()[0].GetProperty("subscriptionId").GetGuid(), order);
    }

    private async Task<JsonElement> PlaceAndCompleteAsync(HttpClient client, object item)
    {
        var order = await WaitForAsync(client, await PlaceAsync(client, "Change", item), FinalOrWaiting);
        Assert.Equal("completed", order.Status());
        return order;
    }

    private async Task<string> VendorIdAsync(Guid subscription) =>
        await app.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == subscription).Select(s => s.VendorSubscriptionId!).SingleAsync());

    /// <summary>A PATCH straight to the sandbox's Partner Center API, as the connector sends it.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> PatchVendorAsync(string vendorId, object body)
    {
        using var http = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Sandbox.ApiKey);
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"partner/v1/customers/x/subscriptions/{vendorId}") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Errors(JsonElement problem, string field) =>
        string.Join(" | ", problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));

    [Fact]
    public async Task AnIncrease_OpensAWindowForTheLicencesItAdded_OnlyThoseGo_UntilItCloses_AndTheSandboxAgrees()
    {
        var client = await SellerAsync();
        var (premium, bought) = await BuyPremiumAsync(client, 10);
        // The provisioned purchase says until when it can be taken back.
        var boughtUntil = bought.Items()[0].GetProperty("cancellableUntil").GetDateTime();
        Assert.InRange(boughtUntil, Now.Add(Week).AddMinutes(-1), Now.Add(Week));

        app.Clock.Advance(Week + TimeSpan.FromHours(1));
        client = await SellerAsync();
        var termRule = $"Licences can be decreased only until {CancellationPolicy.Moment(boughtUntil)}, 7 days after the purchase or the last renewal.";
        var late = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 9) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(termRule, Errors(late, "items[0].quantity"));
        Assert.Equal(JsonValueKind.Null, (await client.OrderAsync(bought.Id())).Items()[0].GetProperty("cancellableUntil").ValueKind);

        // 10 → 14: the 4 added licences can go for a week from the increase, the 10 bought cannot.
        var increased = await PlaceAndCompleteAsync(client, Increase(premium, 14));
        var increaseUntil = increased.Items()[0].GetProperty("cancellableUntil").GetDateTime();
        Assert.InRange(increaseUntil, Now.Add(Week).AddMinutes(-1), Now.Add(Week));
        Assert.Equal(increaseUntil, (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("cancellableUntil").GetDateTime(),
            TimeSpan.FromMilliseconds(1));

        var tooFar = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 9) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal($"{termRule} Only the 4 licences added since can still be decreased, until {CancellationPolicy.Moment(increaseUntil)}: decrease to 10 at the lowest.",
            Errors(tooFar, "items[0].quantity"));
        var cancel = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { CancelItem(premium) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal($"A subscription can be cancelled only until {CancellationPolicy.Moment(boughtUntil)}, 7 days after the purchase or the last renewal.",
            Errors(cancel, "items[0].subscriptionId"));

        // The vendor agrees: below the floor refused with the platform's rule, down to it allowed (and carried out by the worker).
        // (Its clock read the purchase and the increase a few milliseconds before the platform applied them: the
        // same words, with deadlines that may differ in the minute.)
        var vendorId = await VendorIdAsync(premium);
        var (vendorStatus, vendorBody) = await PatchVendorAsync(vendorId, new { offerId = DemoData.OfferIds.BusinessPremium, quantity = 9 });
        Assert.Equal(HttpStatusCode.Conflict, vendorStatus);
        Assert.Equal("CancellationWindowExpired", vendorBody.GetProperty("code").GetString());
        Assert.Matches(@"^Microsoft 365 Business Premium: Licences can be decreased only until .+ UTC, 7 days after the purchase or the last renewal\. " +
            @"Only the 4 licences added since can still be decreased, until .+ UTC: decrease to 10 at the lowest\.$", vendorBody.GetProperty("description").GetString());
        var decreased = await PlaceAndCompleteAsync(client, Decrease(premium, 11));
        Assert.Equal(11, (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("quantity").GetInt32());
        Assert.Equal(JsonValueKind.Null, decreased.Items()[0].GetProperty("cancellableUntil").ValueKind);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 10) } })).StatusCode);

        // A week after the increase its window has closed too: the deadline that passed last is named, by both.
        app.Clock.Advance(Week);
        client = await SellerAsync();
        var closed = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 10) } })).ProblemAsync(HttpStatusCode.BadRequest);
        var lastRule = $"{termRule} The licences added by the last increase could be decreased until {CancellationPolicy.Moment(increaseUntil)}.";
        Assert.Equal(lastRule, Errors(closed, "items[0].quantity"));
        var (closedStatus, closedBody) = await PatchVendorAsync(vendorId, new { offerId = DemoData.OfferIds.BusinessPremium, quantity = 10 });
        Assert.Equal(HttpStatusCode.Conflict, closedStatus);
        Assert.Matches(@"^Microsoft 365 Business Premium: Licences can be decreased only until .+ UTC, 7 days after the purchase or the last renewal\. " +
            @"The licences added by the last increase could be decreased until .+ UTC\.$", closedBody.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("cancellableUntil").ValueKind);
    }

    [Fact]
    public async Task ACancelInsideTheWindow_EndsTheSubscription_AtTheVendorToo_AndNothingChangesItAfterwards()
    {
        var client = await SellerAsync();
        var (premium, _) = await BuyPremiumAsync(client, 3);

        var order = await PlaceAndCompleteAsync(client, CancelItem(premium));
        Assert.Equal("Cancel subscription: Microsoft 365 Business Premium", order.Items()[0].Description());
        Assert.Equal("cancel", order.Items()[0].GetProperty("kind").GetString());
        // Cancelling takes the licences off the bill.
        Assert.Equal(-3 * order.Items()[0].GetProperty("prices").GetProperty("unitPrice").GetProperty("amount").GetDecimal(),
            order.GetProperty("totals")[0].GetProperty("periodTotal").GetProperty("amount").GetDecimal());

        // The events and the CSV tell it in the same words.
        Assert.Contains(order.Events(), e => e.GetProperty("reason").GetString() == "Item added: Cancel subscription: Microsoft 365 Business Premium");
        Assert.Contains($"Cancel subscription: Microsoft 365 Business Premium", await client.GetStringAsync($"{OrdersUrl}/export?view=historical&state=all"));

        var subscription = await client.GetJsonAsync($"/api/v1/subscriptions/{premium}");
        Assert.Equal("cancelled", subscription.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, subscription.GetProperty("cancellableUntil").ValueKind);
        var again = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Increase(premium, 5) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("The subscription was cancelled; it can no longer be changed.", Errors(again, "items[0].subscriptionId"));
        var (vendorStatus, vendorBody) = await PatchVendorAsync(await VendorIdAsync(premium), new { offerId = DemoData.OfferIds.BusinessPremium, quantity = 5 });
        Assert.Equal(HttpStatusCode.Conflict, vendorStatus);
        Assert.Equal("SubscriptionCancelled", vendorBody.GetProperty("code").GetString());
    }

    /// <summary>
    /// The detail takes its "now" before it reads the order; a read that waited while the worker completed the order sees a
    /// completion later than that "now". The purchase's window is open all the same (it was null for such a read under load).
    /// </summary>
    [Fact]
    public async Task ADetailWhoseNowPrecedesTheCompletionItReads_StillShowsTheOpenWindow()
    {
        var (_, bought) = await BuyPremiumAsync(await SellerAsync(), 3);
        var until = bought.Items()[0].GetProperty("cancellableUntil").GetDateTime();
        var detail = await app.WithDbAsync(async db =>
        {
            var fabrikam = await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam);
            var seller = await db.Organizations.SingleAsync(o => o.Id == fabrikam.ParentId);
            var ctx = new CustomerContext(new Actor(Guid.Empty, "Detail reader", "", seller.Id, seller.Name, seller.Type, [Role.SellerAdmin]),
                fabrikam, seller);
            var completedAt = await db.OrderEvents.Where(e => e.OrderId == bought.Id() && e.ToStatus == OrderStatus.Completed).MaxAsync(e => e.At);
            return await OrderQueries.DetailAsync(db, ctx, bought.Id(), completedAt.AddSeconds(-1), CancellationToken.None);
        });
        Assert.Equal(until, detail!.Items[0].CancellableUntil);
    }

    [Fact]
    public async Task ACancelAfterTheWindow_IsRefusedWithTheDeadline_BeforePlacing_AndTheSandboxRefusesItToo()
    {
        var ida = await SignInAsync(Demo.FabrikamAdmin);
        var e3 = await app.WithDbAsync(db => db.Subscriptions.AsNoTracking().SingleAsync(s => s.Id == Demo.FabrikamE3));
        var deadline = CancellationPolicy.Moment(e3.CurrentTermStart.Add(Week));
        var refusal = $"A subscription can be cancelled only until {deadline}, 7 days after the purchase or the last renewal.";
        var orders = await app.WithDbAsync(db => db.Orders.CountAsync());

        var problem = await (await ida.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { CancelItem(Demo.FabrikamE3) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(refusal, Errors(problem, "items[0].subscriptionId"));
        Assert.Equal(orders, await app.WithDbAsync(db => db.Orders.CountAsync()));

        // The demo's E3 is known at the vendor by the platform's id.
        var (status, body) = await PatchVendorAsync(Demo.FabrikamE3.ToString(), new { offerId = DemoData.OfferIds.E3, status = "deleted" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal($"Microsoft 365 E3: {refusal}", body.GetProperty("description").GetString());
    }
}

public sealed class CancellationWindowFlowTestsOnSqlite(ProvisioningSqliteFactory app) : CancellationWindowFlowTests(app), IClassFixture<ProvisioningSqliteFactory>;
public sealed class CancellationWindowFlowTestsOnPostgres(ProvisioningPostgresFactory app) : CancellationWindowFlowTests(app), IClassFixture<ProvisioningPostgresFactory>;

using System.Net.Http.Json;
using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// integrations.md, Webhooks, against real receivers on loopback: signed events in the order they
/// happened per order, a receiver that never answers holds up nobody else, and each receiver gets
/// what its organization's admin would see from the API (customer level: no markup at all).
/// </summary>
public abstract class WebhookDeliveryTests(CloudMarketFactory app) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task APlacedOrder_ReachesTheReceiver_AsPlacedThenCompleted_SignedWithTheEndpointsSecret()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var (_, secret) = await anna.CreateWebhookAsync(_receiver.Url, "order.placed", "order.completed");

        var id = await PlaceAsync(anna, "Signed webhooks", NewAcronis(2));
        var calls = await _receiver.WaitForAsync(c => c.Of(id).Any(x => x.EventType == "order.completed"), $"order.completed of {id}");

        var mine = calls.Of(id).ToList();
        Assert.Equal(["order.placed", "order.completed"], mine.Types());
        foreach (var call in mine)
        {
            var json = call.Json;
            Assert.Equal(call.EventId, json.GetProperty("id").GetString());
            Assert.StartsWith("evt_", call.EventId);
            Assert.Equal(call.EventType, json.GetProperty("type").GetString());
            Assert.Equal(Demo.Fabrikam, json.GetProperty("organizationId").GetGuid());
            Assert.Equal("Signed webhooks", json.GetProperty("data").GetProperty("order").GetProperty("name").GetString());
            Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", call.Signature);
            var t = DateTimeOffset.FromUnixTimeSeconds(long.Parse(call.Signature!.Split(',')[0][2..]));
            Assert.True(WebhookSignature.Verify(secret, call.Signature, call.Body, t, TimeSpan.FromMinutes(5)));
            Assert.False(WebhookSignature.Verify(secret + "x", call.Signature, call.Body, t, TimeSpan.FromMinutes(5)));
            Assert.False(WebhookSignature.Verify(secret, call.Signature, call.Body + " ", t, TimeSpan.FromMinutes(5)));
        }
        Assert.Equal("completed", mine[^1].Json.GetProperty("data").GetProperty("order").GetProperty("status").GetString());
        Assert.NotEqual(mine[0].EventId, mine[1].EventId);
    }

    [Fact]
    public async Task AReceiverThatNeverAnswers_HoldsUpNeitherOtherEndpointsNorProvisioning_NorSendsItsNextEventEarly()
    {
        await using var silent = await WebhookReceiver.StartAsync();
        silent.Answer = _ => null;
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.CreateWebhookAsync(silent.Url, "order.placed", "order.completed");
        await anna.CreateWebhookAsync(_receiver.Url, "order.placed", "order.completed");

        var id = await PlaceAsync(anna, "Past a silent receiver", NewAcronis(1));
        await silent.WaitForAsync(c => c.Of(id).Any(), $"order.placed of {id}");
        await _receiver.WaitForAsync(c => c.Of(id).Any(x => x.EventType == "order.completed"), $"order.completed of {id}");
        Assert.Equal("completed", (await anna.GetJsonAsync($"/api/v1/orders/{id}")).GetProperty("status").GetString());
        // The silent receiver still holds order.placed: order.completed waits behind it, in order.
        Assert.Equal(["order.placed"], silent.Calls.Of(id).Types());
    }

    [Fact]
    public async Task ACustomerAdminsWebhook_GetsNoEventOfAMarkupOnlyOrder_AndNoMarkupItem_ASellersGetsBoth()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        await using var customerReceiver = await WebhookReceiver.StartAsync();
        await ida.CreateWebhookAsync(customerReceiver.Url);
        await anna.CreateWebhookAsync(_receiver.Url);

        var markupOnly = await PlaceAsync(anna, "Only margins", new { kind = "changeMarkup", subscriptionId = DemoData.SubscriptionIds.FabrikamBitdefender, markupPercent = 31m });
        var mixed = await PlaceAsync(anna, "Licences and more",
            new { kind = "changeMarkup", subscriptionId = DemoData.SubscriptionIds.FabrikamE3, markupPercent = 14m },
            new { kind = "increaseQuantity", subscriptionId = DemoData.SubscriptionIds.FabrikamE3, quantity = 12 });
        var bitdefender = DemoData.SubscriptionIds.FabrikamBitdefender.ToString();
        await _receiver.WaitForAsync(c => c.Of(mixed).Any(x => x.EventType == "order.completed")
                                          && c.Any(x => x.EventType == "subscription.changed" && x.Body.Contains(bitdefender)),
            "both orders completed, and the markup change's subscription.changed");
        await customerReceiver.WaitForAsync(c => c.Of(mixed).Any(x => x.EventType == "order.completed"), "the mixed order completed");
        // Every event of both orders has been fanned out: nothing more can come.
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<IntegrationEvent>()
            .CountAsync(e => (e.OrderId == markupOnly || e.OrderId == mixed) && e.DispatchedAt == null)), n => n == 0, "the fan-out");

        var sellerSees = _receiver.Calls;
        Assert.Contains("order.placed", sellerSees.Of(markupOnly).Types());
        var sellerMixed = sellerSees.Of(mixed).Last().Json.GetProperty("data").GetProperty("order");
        Assert.Contains(sellerMixed.GetProperty("items").EnumerateArray(), i => i.GetProperty("kind").GetString() == "changeMarkup");
        // Totals are one entry per billing cycle; the seller's carry the cost.
        Assert.All(sellerMixed.GetProperty("totals").EnumerateArray(), t => Assert.True(t.TryGetProperty("periodCost", out _)));

        var customerSees = customerReceiver.Calls;
        Assert.Empty(customerSees.Of(markupOnly));
        Assert.DoesNotContain(customerSees, c => c.Body.Contains(DemoData.SubscriptionIds.FabrikamBitdefender.ToString()));
        Assert.Contains("order.placed", customerSees.Of(mixed).Types());
        foreach (var call in customerSees)
        {
            Assert.DoesNotContain("markup", call.Body, StringComparison.OrdinalIgnoreCase);
            foreach (var costField in new[] { "\"unitCost\"", "\"periodMargin\"", "\"vendorUnitCost\"", "\"distributorMarkupPercent\"" })
                Assert.DoesNotContain(costField, call.Body);
            if (call.Json.GetProperty("data").TryGetProperty("order", out var order))
                foreach (var cycle in order.GetProperty("totals").EnumerateArray())
                    Assert.Equal(["billingCycle", "periodTotal", "termTotal"], cycle.EnumerateObject().Select(p => p.Name).Order());
        }
        var customerMixed = customerSees.Of(mixed).Last().Json.GetProperty("data").GetProperty("order");
        Assert.Equal(["increaseQuantity"], customerMixed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task AnInternalNote_IsInTheSellersPayloads_AndInNothingSentToTheCustomer()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        await using var customerReceiver = await WebhookReceiver.StartAsync();
        await ida.CreateWebhookAsync(customerReceiver.Url);
        await anna.CreateWebhookAsync(_receiver.Url);

        const string secret = "churn risk, offer 10% at renewal";
        var cart = await anna.PostJsonAsync("/api/v1/orders", new { name = "Quietly noted", items = new[] { NewAcronis(1) } }, HttpStatusCode.Created);
        var id = cart.GetProperty("id").GetInt64();
        await anna.PutJsonAsync($"/api/v1/orders/{id}/internal-note", new { text = secret }, HttpStatusCode.OK);
        await anna.PostJsonAsync($"/api/v1/orders/{id}/place", null, HttpStatusCode.Accepted);

        var sellerCalls = await _receiver.WaitForAsync(c => c.Of(id).Any(x => x.EventType == "order.completed"), $"order.completed of {id} (seller)");
        var customerCalls = await customerReceiver.WaitForAsync(c => c.Of(id).Any(x => x.EventType == "order.completed"), $"order.completed of {id} (customer)");
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<IntegrationEvent>().CountAsync(e => e.OrderId == id && e.DispatchedAt == null)),
            n => n == 0, "the fan-out");

        Assert.All(sellerCalls.Of(id), c => Assert.Equal(secret, c.Json.GetProperty("data").GetProperty("order").GetProperty("internalNote").GetString()));
        Assert.NotEmpty(customerCalls.Of(id));
        Assert.All(customerCalls.Of(id), c =>
        {
            Assert.DoesNotContain("churn risk", c.Body);
            Assert.DoesNotContain("internalNote", c.Body);
            Assert.DoesNotContain("Internal note", c.Body);
        });
        // E-mails (to the creator and, on completion, to the customer's admins) never carry it either.
        var mails = await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.OrderId == id && d.Channel == DeliveryChannel.Email).ToListAsync());
        Assert.NotEmpty(mails);
        Assert.All(mails, m => Assert.DoesNotContain("churn risk", m.Body + m.Subject + m.HtmlBody));
    }

    [Fact]
    public async Task NoteChangesOfPlacedOrders_AreEvents_InTheirOrderAfterThePlacement()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.CreateWebhookAsync(_receiver.Url, "order.placed", "order.noteChanged");
        var cart = await anna.PostJsonAsync("/api/v1/orders", new { name = "Noted", items = new[] { NewAcronis(1) } }, HttpStatusCode.Created);
        var id = cart.GetProperty("id").GetInt64();
        await anna.PutJsonAsync($"/api/v1/orders/{id}/note", new { text = "a cart's note is nobody's business" }, HttpStatusCode.OK);
        await anna.PostJsonAsync($"/api/v1/orders/{id}/place", null, HttpStatusCode.Accepted);
        // The worker may move the order at the same moment: a concurrent change is 409, and a client sends the note again.
        for (var attempt = 1; ; attempt++)
        {
            var noted = await anna.PutAsJsonAsync($"/api/v1/orders/{id}/note", new { text = "PO 7781" });
            if (noted.StatusCode == HttpStatusCode.OK) break;
            Assert.True(noted.StatusCode == HttpStatusCode.Conflict && attempt < 10, $"note: {(int)noted.StatusCode} {await noted.Content.ReadAsStringAsync()}");
        }

        var calls = await _receiver.WaitForAsync(c => c.Of(id).Any(x => x.EventType == "order.noteChanged"), "the note change");
        Assert.Equal(["order.placed", "order.noteChanged"], calls.Of(id).Types());
        Assert.Equal("PO 7781", calls.Of(id).Last().Json.GetProperty("data").GetProperty("order").GetProperty("note").GetString());
    }
}

public sealed class WebhookDeliveryTestsOnSqlite(SqliteIntegrationsFactory app) : WebhookDeliveryTests(app), IClassFixture<SqliteIntegrationsFactory>;
public sealed class WebhookDeliveryTestsOnPostgres(PostgresIntegrationsFactory app) : WebhookDeliveryTests(app), IClassFixture<PostgresIntegrationsFactory>;

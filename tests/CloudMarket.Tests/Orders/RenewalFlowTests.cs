using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Provisioning;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Renewals and the cancellation window through the whole pipeline (worker and in-process vendor sandbox, the app's
/// clock moved a year on instead of waiting; an app of its own, since every subscription renews): a decrease after
/// the window closed is refused now and at a date before the renewal, but accepted on renewal, runs at the renewal in
/// the window the renewal opened, and the vendor agrees; the renewal is recorded; a cancelled subscription takes its
/// add-ons with it.
/// </summary>
public abstract class RenewalFlowTests(CloudMarketFactory app)
{
    private static readonly TimeSpan Week = TimeSpan.FromHours(DemoData.MicrosoftCancellationWindowHours);

    private DateTime Now => app.Clock.GetUtcNow().UtcDateTime;

    /// <summary>A freshly signed-in seller acting for Fabrikam: a token issued before the clock moved on has expired.</summary>
    private async Task<HttpClient> SellerAsync()
    {
        using var anonymous = app.CreateClient();
        var token = await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = Demo.SellerAdmin, password = CloudMarketFactory.DemoPassword }, HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        client.DefaultRequestHeaders.Add("X-On-Behalf-Of", Demo.Fabrikam.ToString());
        return client;
    }

    private static string Errors(JsonElement problem, string field) =>
        string.Join(" | ", problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));

    [Fact]
    public async Task ADecreaseOnRenewal_AfterTheWindowClosed_IsAccepted_RunsAtTheRenewal_InTheNewWindow_AndTheVendorAgrees()
    {
        var client = await SellerAsync();
        var bought = await WaitForAsync(client, await PlaceAsync(client, "Premium", NewMicrosoft($"ren{Guid.NewGuid().ToString("N")[..12]}", 10)), FinalOrWaiting);
        Assert.Equal("completed", bought.Status());
        var premium = bought.Items()[0].GetProperty("subscriptionId").GetGuid();
        var renewal = (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("renewalDate").GetDateTime();
        var purchaseDeadline = CancellationPolicy.Moment(bought.Items()[0].GetProperty("cancellableUntil").GetDateTime());

        app.Clock.Advance(Week + TimeSpan.FromHours(1));
        client = await SellerAsync();
        // Now, and at a date before the renewal, the purchase's window has closed: refused, naming its deadline.
        var termRule = $"Licences can be decreased only until {purchaseDeadline}, 7 days after the purchase or the last renewal.";
        var now = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 6) } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(termRule, Errors(now, "items[0].quantity"));
        var beforeRenewal = new { when = "at", at = renewal.AddDays(-1) };
        var atDate = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(premium, 6) }, schedule = beforeRenewal }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(termRule, Errors(atDate, "items[0].quantity"));

        // On renewal: judged in the window the renewal opens, so accepted, previewed as placeable and placed.
        var cart = await (await client.SendAsync(HttpMethod.Post, OrdersUrl, new { name = "Fewer at renewal", items = new[] { Decrease(premium, 6) },
            schedule = new { when = "onRenewal" } })).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(renewal, cart.GetProperty("scheduledFor").GetDateTime());
        var preview = await (await client.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{cart.Id()}/preview")).JsonAsync(HttpStatusCode.OK);
        Assert.True(preview.GetProperty("canPlace").GetBoolean(), preview.ToString());
        var placed = await (await client.PlaceAsync(cart.Id())).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("scheduled", placed.Status());

        // At the renewal the worker runs it; the vendor sandbox, having renewed the subscription too, accepts it.
        app.Clock.Advance(renewal - Now + TimeSpan.FromMinutes(1));
        client = await SellerAsync();
        var done = await WaitForAsync(client, cart.Id(), FinalOrWaiting);
        Assert.Equal("completed", done.Status());
        var subscription = await client.GetJsonAsync($"/api/v1/subscriptions/{premium}");
        Assert.Equal(6, subscription.GetProperty("quantity").GetInt32());
        Assert.Equal(renewal.AddMonths(12), subscription.GetProperty("renewalDate").GetDateTime());
        Assert.Equal(renewal.Add(Week), subscription.GetProperty("cancellableUntil").GetDateTime());
        Assert.Equal(renewal.AddMonths(12), await app.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == premium).Select(s => s.RenewalDate).SingleAsync()));
    }

    [Fact]
    public async Task RenewalsDue_AreRecorded_ForSubscriptionsThatRenewThemselves_Only()
    {
        var now = Now;
        var (renews, ends) = await app.WithDbAsync(async db =>
        {
            var all = await db.Subscriptions.AsNoTracking().Where(s => s.Status != SubscriptionStatus.Cancelled).ToListAsync();
            return (all.Where(s => s.AutoRenew && s.RenewalDate > now).OrderBy(s => s.RenewalDate).First(), all.First(s => !s.AutoRenew));
        });
        var moment = renews.RenewalDate.AddMinutes(1);
        var renewed = await app.WithDbAsync(db => SubscriptionRenewals.RecordDueAsync(db, moment, CancellationToken.None));

        Assert.True(renewed >= 1);
        var after = await app.WithDbAsync(db => db.Subscriptions.AsNoTracking().Where(s => s.Id == renews.Id || s.Id == ends.Id).ToDictionaryAsync(s => s.Id));
        Assert.Equal(renews.RenewalDate.AddMonths(renews.TermMonths), after[renews.Id].RenewalDate);
        Assert.Equal(ends.RenewalDate, after[ends.Id].RenewalDate);
        Assert.Equal(0, await app.WithDbAsync(db => SubscriptionRenewals.RecordDueAsync(db, moment, CancellationToken.None)));
    }

    [Fact]
    public async Task CancellingASubscription_CancelsItsAddons()
    {
        var client = await SellerAsync();
        var addon = new { offerId = DemoData.OfferIds.TeamsAudio, quantity = 2 };
        var bought = await WaitForAsync(client, await PlaceAsync(client, "With add-on",
            NewMicrosoft($"add{Guid.NewGuid().ToString("N")[..12]}", 4, null, addon)), FinalOrWaiting);
        Assert.Equal("completed", bought.Status());
        var premium = bought.Items()[0].GetProperty("subscriptionId").GetGuid();
        var addons = (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("addons");
        var teams = Assert.Single(addons.EnumerateArray()).GetProperty("id").GetGuid();

        var cancelled = await WaitForAsync(client, await PlaceAsync(client, "Cancel", CancelItem(premium)), FinalOrWaiting);
        Assert.Equal("completed", cancelled.Status());
        Assert.Equal("cancelled", (await client.GetJsonAsync($"/api/v1/subscriptions/{premium}")).GetProperty("status").GetString());
        Assert.Equal("cancelled", (await client.GetJsonAsync($"/api/v1/subscriptions/{teams}")).GetProperty("status").GetString());
    }
}

public sealed class RenewalFlowTestsOnSqlite(ProvisioningSqliteFactory app) : RenewalFlowTests(app), IClassFixture<ProvisioningSqliteFactory>;
public sealed class RenewalFlowTestsOnPostgres(ProvisioningPostgresFactory app) : RenewalFlowTests(app), IClassFixture<ProvisioningPostgresFactory>;

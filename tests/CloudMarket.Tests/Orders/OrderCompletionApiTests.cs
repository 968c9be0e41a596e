using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Applying an order to the subscriptions (orders.md: in the same unit of work that moves the order to
/// completed / completedWithErrors / failed). Completing is the worker's step, so it runs through
/// <see cref="OrderCompletion"/> on the application's own services; closing and retrying go over HTTP.
/// </summary>
public abstract class OrderCompletionApiTests(CloudMarketFactory app)
{
    private static readonly object TailspinContact = new { email = "admin@tailspin.example", firstName = "Tom", lastName = "Hale" };

    private sealed record SubscriptionState(Guid Id, string OfferId, int Quantity, SubscriptionStatus Status, bool AutoRenew, decimal Markup,
        BillingCycle Cycle, Guid? Parent, string? AdminEmail, string? Tenant, string? VendorId);

    private Task<Dictionary<Guid, SubscriptionState>> SubscriptionsAsync(Guid customer) => app.WithDbAsync(async db =>
        (await db.Subscriptions.AsNoTracking().Where(s => s.CustomerId == customer).ToListAsync())
        .Select(s => new SubscriptionState(s.Id, s.OfferId, s.Quantity, s.Status, s.AutoRenew, s.MarkupPercent, s.BillingCycle,
            s.ParentSubscriptionId, s.AdminEmail, s.TenantName, s.VendorSubscriptionId))
        .ToDictionary(s => s.Id));

    private Task CompleteAsync(long id) => app.CompleteAsync(id);

    [Fact]
    public async Task Completing_AppliesEveryKindOfItemToTheSubscriptions()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var before = await SubscriptionsAsync(Demo.Fabrikam);
        var (e3, bitdefender, acronis, exchange, teams) = (before[DemoData.SubscriptionIds.FabrikamE3], before[DemoData.SubscriptionIds.FabrikamBitdefender],
            before[DemoData.SubscriptionIds.FabrikamAcronis], before[DemoData.SubscriptionIds.FabrikamExchange], before[DemoData.SubscriptionIds.FabrikamTeamsAudio]);
        Assert.Equal(SubscriptionStatus.Suspended, acronis.Status);
        Assert.False(bitdefender.AutoRenew);

        var order = await anna.CreateCartAsync(
            NewSubscription(DemoData.OfferIds.BusinessStandard, 5, "fabrikamsales.onmicrosoft.com",
                new { email = "sales@fabrikam.example", firstName = "Sara", lastName = "Holm" },
                [new { offerId = DemoData.OfferIds.TeamsAudio, quantity = 4 }], billingCycle: "annual"),
            Increase(e3.Id, e3.Quantity + 2),
            Decrease(bitdefender.Id, bitdefender.Quantity - 5),
            Reactivate(acronis.Id),
            Suspend(exchange.Id),
            AutoRenew(bitdefender.Id, true),
            Markup(teams.Id, 17.5m));
        var id = order.Id();
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id);
        Assert.Equal("provisioningFinished", (await anna.OrderAsync(id)).Status());
        Assert.Equal(before, await SubscriptionsAsync(Demo.Fabrikam)); // nothing is applied before completion

        await CompleteAsync(id);

        var completed = await anna.OrderAsync(id);
        Assert.Equal("completed", completed.Status());
        var last = completed.Events()[^1];
        Assert.Equal(("provisioningFinished", "completed", "system"),
            (last.GetProperty("from").GetString(), last.GetProperty("to").GetString(), last.GetProperty("actor").GetString()));

        var after = await SubscriptionsAsync(Demo.Fabrikam);
        Assert.Equal(e3.Quantity + 2, after[e3.Id].Quantity);
        Assert.Equal(bitdefender.Quantity - 5, after[bitdefender.Id].Quantity);
        Assert.True(after[bitdefender.Id].AutoRenew);
        Assert.Equal(SubscriptionStatus.Active, after[acronis.Id].Status);
        Assert.Equal(SubscriptionStatus.Suspended, after[exchange.Id].Status);
        Assert.Equal(17.5m, after[teams.Id].Markup);
        // Nothing else changed on the existing subscriptions.
        Assert.Equal(e3 with { Quantity = e3.Quantity + 2 }, after[e3.Id]);
        Assert.Equal(exchange with { Status = SubscriptionStatus.Suspended }, after[exchange.Id]);

        var added = after.Values.Where(s => !before.ContainsKey(s.Id)).ToList();
        Assert.Equal(2, added.Count);
        var standard = added.Single(s => s.OfferId == DemoData.OfferIds.BusinessStandard);
        Assert.Equal((5, BillingCycle.Annual, SubscriptionStatus.Active, "sales@fabrikam.example", "fabrikamsales.onmicrosoft.com", (Guid?)null),
            (standard.Quantity, standard.Cycle, standard.Status, standard.AdminEmail, standard.Tenant, standard.Parent));
        Assert.Equal($"vendor-{order.ItemId(0):N}", standard.VendorId);
        Assert.Equal(20m, standard.Markup); // Contoso's default markup
        var addon = added.Single(s => s.OfferId == DemoData.OfferIds.TeamsAudio);
        Assert.Equal((standard.Id, 4, BillingCycle.Annual), (addon.Parent!.Value, addon.Quantity, addon.Cycle));
        // The item now links to the subscription it created, and the subscription lists the order.
        Assert.Equal(standard.Id, completed.Items()[0].GetProperty("subscriptionId").GetGuid());
        var detail = await anna.GetJsonAsync($"/api/v1/subscriptions/{standard.Id}");
        Assert.Contains(detail.GetProperty("orders").EnumerateArray(), o => o.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task Completing_AnOrderNotProvisioningFinished_IsRefused_AndAppliesNothing()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var before = await SubscriptionsAsync(Demo.Tailspin);
        var id = await anna.CreateCartIdAsync(Increase(DemoData.SubscriptionIds.TailspinStandard, before[DemoData.SubscriptionIds.TailspinStandard].Quantity + 1));
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        var placed = await app.SnapshotAsync(id);
        await Assert.ThrowsAsync<DomainException>(() => CompleteAsync(id)); // inProgress
        Assert.Equal(placed, await app.SnapshotAsync(id));
        await app.ProvisionAsync(id, false);
        var failed = await app.SnapshotAsync(id);
        await Assert.ThrowsAsync<DomainException>(() => CompleteAsync(id)); // provisioningFailed
        Assert.Equal(failed, await app.SnapshotAsync(id));
        Assert.Equal(before, await SubscriptionsAsync(Demo.Tailspin));
    }

    [Fact]
    public async Task Closing_WithSomeItemsSucceeded_AppliesOnlyThose_AndEndsCompletedWithErrors()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var before = await SubscriptionsAsync(Demo.Tailspin);
        var standard = before[DemoData.SubscriptionIds.TailspinStandard];
        var acronis = before[DemoData.SubscriptionIds.TailspinAcronis];
        var id = await anna.CreateCartIdAsync(
            Increase(standard.Id, standard.Quantity + 5),
            NewSubscription(DemoData.OfferIds.AcronisProtect, 3, contact: TailspinContact),
            Suspend(acronis.Id));
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, true, true, false);
        Assert.Equal(before, await SubscriptionsAsync(Demo.Tailspin));

        var closed = await (await anna.ActAsync(id, "close")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("completedWithErrors", closed.Status());
        Assert.Equal(["provisioningFinished", "provisioningFinished", "provisioningFailed"],
            closed.Items().Select(i => i.GetProperty("provisioningStatus").GetString()));
        var error = closed.Items()[2].GetProperty("error");
        Assert.Equal("InvalidAdminEmail", error.GetProperty("code").GetString());
        Assert.Contains("Acronis Cyber Protect Standard", error.GetProperty("message").GetString());

        var after = await SubscriptionsAsync(Demo.Tailspin);
        Assert.Equal(standard with { Quantity = standard.Quantity + 5 }, after[standard.Id]);
        Assert.Equal(acronis, after[acronis.Id]); // the rejected suspension was not applied
        var added = Assert.Single(after.Values, s => !before.ContainsKey(s.Id));
        Assert.Equal((DemoData.OfferIds.AcronisProtect, 3, "admin@tailspin.example"), (added.OfferId, added.Quantity, added.AdminEmail));
    }

    [Fact]
    public async Task Closing_WithNoItemSucceeded_EndsFailed_AndAppliesNothing()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var before = await SubscriptionsAsync(Demo.Tailspin);
        var id = await anna.CreateCartIdAsync(
            Increase(DemoData.SubscriptionIds.TailspinStandard, before[DemoData.SubscriptionIds.TailspinStandard].Quantity + 9),
            NewSubscription(DemoData.OfferIds.AcronisProtect, 2, contact: TailspinContact));
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, false, false);

        var closed = await (await anna.ActAsync(id, "close")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("failed", closed.Status());
        Assert.All(closed.Items(), i => Assert.Equal("provisioningFailed", i.GetProperty("provisioningStatus").GetString()));
        Assert.Equal(before, await SubscriptionsAsync(Demo.Tailspin));
    }

    [Fact]
    public async Task Retry_WithACorrectedContact_ThenComplete_AppliesTheCorrection()
    {
        var tom = await app.ClientAsync(Demo.TailspinAdmin);
        var before = await SubscriptionsAsync(Demo.Tailspin);
        var standard = before[DemoData.SubscriptionIds.TailspinStandard];
        var order = await tom.CreateCartAsync(
            NewSubscription(DemoData.OfferIds.AcronisProtect, 6, contact: new { email = "old@tailspin.example", firstName = "Tom", lastName = "Hale" }),
            Increase(standard.Id, standard.Quantity + 3));
        var id = order.Id();
        var (rejected, succeeded) = (order.ItemId(0), order.ItemId(1));
        await (await tom.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, false, true);
        var failedState = await app.SnapshotAsync(id);

        // Corrections are only for failed items of this order, and must be well-formed.
        var problem = await (await tom.ActAsync(id, "retry", body: new { items = new[] { new { itemId = succeeded, tenantName = (string?)null } } }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("items", problem.ErrorFields());
        problem = await (await tom.ActAsync(id, "retry", body: new { items = new[] { new { itemId = rejected, adminContact = new { email = "not an email", firstName = "Tom", lastName = "Hale" } } } }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["items[0].adminContact.email"], problem.ErrorFields());
        Assert.Equal(failedState, await app.SnapshotAsync(id));

        var retried = await (await tom.ActAsync(id, "retry", body: new { items = new[] { new { itemId = rejected, adminContact = new { email = "it@tailspin.example", firstName = "Tina", lastName = "Hale" } } } }))
            .JsonAsync(HttpStatusCode.OK);
        Assert.Equal("provisioningStarted", retried.Status());
        var item = retried.Items()[0];
        Assert.Equal(("pending", "it@tailspin.example"), (item.GetProperty("provisioningStatus").GetString(), item.GetProperty("adminContact").GetProperty("email").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, item.GetProperty("error").ValueKind);
        Assert.Equal("provisioningFinished", retried.Items()[1].GetProperty("provisioningStatus").GetString());
        Assert.Equal(2, await app.JobCountAsync(id));

        await app.ProvisionAsync(id); // the worker sends the retried item again; now it succeeds
        Assert.Equal("provisioningFinished", (await tom.OrderAsync(id)).Status());
        await CompleteAsync(id);
        Assert.Equal("completed", (await tom.OrderAsync(id)).Status());
        Assert.Equal(["→started", "started→inProgress", "inProgress→provisioningStarted", "provisioningStarted→provisioningFailed",
            "provisioningFailed→provisioningStarted", "provisioningStarted→provisioningFinished", "provisioningFinished→completed"],
            (await tom.OrderAsync(id)).Transitions());

        var after = await SubscriptionsAsync(Demo.Tailspin);
        Assert.Equal(standard.Quantity + 3, after[standard.Id].Quantity);
        var added = Assert.Single(after.Values, s => !before.ContainsKey(s.Id));
        Assert.Equal((DemoData.OfferIds.AcronisProtect, 6, "it@tailspin.example"), (added.OfferId, added.Quantity, added.AdminEmail));
    }
}

public sealed class OrderCompletionApiTestsOnSqlite(SqliteFactory app) : OrderCompletionApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderCompletionApiTestsOnPostgres(PostgresFactory app) : OrderCompletionApiTests(app), IClassFixture<PostgresFactory>;

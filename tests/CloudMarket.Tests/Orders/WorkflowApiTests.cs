using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// workflow.md over HTTP, without the worker: scheduling (now / on renewal / at), cancelling, approval rules
/// and decisions, the new statuses in the transition table (every other action still 409 with nothing changed),
/// the events they write, and markup never showing through any of it.
/// </summary>
public abstract class WorkflowApiTests(CloudMarketFactory app)
{
    private const string RulesUrl = "/api/v1/approval-rules";
    private static readonly Guid E3 = Demo.FabrikamE3;
    private static readonly Guid TeamsAudio = DemoData.SubscriptionIds.FabrikamTeamsAudio;
    private static readonly Guid Bitdefender = DemoData.SubscriptionIds.FabrikamBitdefender;
    private static readonly Guid Exchange = DemoData.SubscriptionIds.FabrikamExchange;

    private Task<HttpClient> AnnaAsync() => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
    private Task<HttpClient> IdaAsync() => app.ClientAsync(Demo.FabrikamAdmin);

    private static DateTime Now(CloudMarketFactory app) => app.Clock.GetUtcNow().UtcDateTime;

    private static Task<HttpResponseMessage> ScheduleAsync(HttpClient client, long id, object schedule) =>
        client.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/schedule", schedule);

    /// <summary>Both levels' rules set (or emptied), so each test starts from what it says.</summary>
    private async Task RulesAsync(object[] seller, object[]? customer = null)
    {
        await (await AnnaAsync()).PutJsonAsync(RulesUrl, new { rules = seller }, HttpStatusCode.OK);
        await (await IdaAsync()).PutJsonAsync(RulesUrl, new { rules = customer ?? [] }, HttpStatusCode.OK);
    }

    private static object BigOrders(decimal min = 500m) => new
    {
        name = "Big orders by customers", placedBy = new[] { "customer", "customerAdmin" },
        kinds = new[] { "newSubscription", "increaseQuantity" }, minMonthlyAmount = min, approvers = new[] { "sellerAdmin", "accountManager" },
    };

    private Task<List<string>> EventTypesAsync(long id) =>
        app.WithDbAsync(db => db.Set<IntegrationEvent>().Where(e => e.OrderId == id && e.SubscriptionId == null).OrderBy(e => e.Id).Select(e => e.Type).ToListAsync());

    private Task<DateTime?> JobDueAsync(long id) =>
        app.WithDbAsync(db => db.ProvisioningJobs.Where(j => j.OrderId == id).Select(j => (DateTime?)j.DueAt).SingleOrDefaultAsync());

    private static async Task<DateTime> RenewalAsync(HttpClient client, Guid subscription) =>
        (await client.GetJsonAsync($"/api/v1/subscriptions/{subscription}")).GetProperty("renewalDate").GetDateTime();

    // ---- scheduling -------------------------------------------------------------------------------

    [Fact]
    public async Task AnOrderScheduledAtAMoment_IsPlacedAs202Scheduled_ItsJobDueThen_AndItShowsInRecent()
    {
        await RulesAsync([]);
        var ida = await IdaAsync();
        var at = DateTime.SpecifyKind(Now(app).AddDays(10).Date.AddHours(6), DateTimeKind.Utc);
        var cart = await ida.PostJsonAsync(OrdersUrl, new { name = "Backup next week", items = new[] { NewAcronis(2) }, schedule = new { when = "at", at } },
            HttpStatusCode.Created);
        Assert.Equal("at", cart.GetProperty("schedule").GetProperty("when").GetString());
        Assert.Equal(at, cart.GetProperty("scheduledFor").GetDateTime());

        var placed = await (await ida.PlaceAsync(cart.Id())).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("scheduled", placed.Status());
        Assert.Equal(at, placed.GetProperty("scheduledFor").GetDateTime());
        Assert.Equal(["cancel", "editNote"], placed.GetProperty("actions").Strings().Order());
        Assert.Equal("started→scheduled", placed.Transitions()[^1]);
        Assert.Equal(at, await JobDueAsync(cart.Id()));
        Assert.Equal(["order.scheduled"], await EventTypesAsync(cart.Id()));

        var recent = await ida.AllPagesAsync("view=recent");
        var row = recent.Single(o => o.Id() == cart.Id());
        Assert.Equal(at, row.GetProperty("scheduledFor").GetDateTime());
        Assert.DoesNotContain(await ida.AllPagesAsync("view=historical"), o => o.Id() == cart.Id());
    }

    [Fact]
    public async Task OnRenewal_RunsAtTheSubscriptionsRenewal_AndTheSubscriptionListsIt_OnePerKind()
    {
        await RulesAsync([]);
        var ida = await IdaAsync();
        var renewal = await RenewalAsync(ida, E3);
        // E3 and its Teams Audio add-on were bought together: they renew at the same moment.
        var id = await ida.CreateCartIdAsync(Increase(E3, 14), AutoRenew(TeamsAudio, false));
        var scheduled = await (await ScheduleAsync(ida, id, new { when = "onRenewal" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("onRenewal", scheduled.GetProperty("schedule").GetProperty("when").GetString());
        Assert.Equal(renewal, scheduled.GetProperty("scheduledFor").GetDateTime());
        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("scheduled", placed.Status());
        Assert.Equal(renewal, placed.GetProperty("scheduledFor").GetDateTime());

        var subscription = await ida.GetJsonAsync($"/api/v1/subscriptions/{E3}");
        var change = Assert.Single(subscription.GetProperty("scheduledChanges").EnumerateArray(), c => c.GetProperty("orderId").GetInt64() == id);
        Assert.Equal($"#{id}", change.GetProperty("number").GetString());
        Assert.Equal("onRenewal", change.GetProperty("when").GetString());
        Assert.Equal(renewal, change.GetProperty("scheduledFor").GetDateTime());
        Assert.Equal("Increase licences: Microsoft 365 E3, 10 → 14", change.GetProperty("summary").GetString());
        Assert.Equal("Ida Lund", change.GetProperty("createdBy").GetProperty("name").GetString());

        // A second change on renewal of the same subscription is refused (409), at setting and at placing; one at a date is not.
        var second = await ida.CreateCartIdAsync(Increase(E3, 16));
        var before = await app.SnapshotAsync(second);
        var refused = await (await ScheduleAsync(ida, second, new { when = "onRenewal" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains($"order #{id}", refused.GetProperty("detail").GetString());
        Assert.Equal(before, await app.SnapshotAsync(second));
        await (await ScheduleAsync(ida, second, new { when = "at", at = Now(app).AddDays(3) })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", (await (await ida.PlaceAsync(second)).JsonAsync(HttpStatusCode.Accepted)).Status());

        // Cancelled, it no longer holds the subscription's slot.
        await (await ida.ActAsync(id, "cancel")).JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain((await ida.GetJsonAsync($"/api/v1/subscriptions/{E3}")).GetProperty("scheduledChanges").EnumerateArray(),
            c => c.GetProperty("orderId").GetInt64() == id);
        var third = await ida.CreateCartIdAsync(Increase(E3, 18));
        await (await ScheduleAsync(ida, third, new { when = "onRenewal" })).JsonAsync(HttpStatusCode.OK);
        await (await ida.ActAsync(second, "cancel")).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task BadSchedules_Answer400NamingTheFieldsAndItems_AndChangeNothing()
    {
        var ida = await IdaAsync();
        var id = await ida.CreateCartIdAsync(NewAcronis(2), Increase(Bitdefender, 45));
        var before = await app.SnapshotAsync(id);

        var past = await (await ScheduleAsync(ida, id, new { when = "at", at = Now(app).AddMinutes(-1) })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["schedule.at"], past.ErrorFields());
        var missing = await (await ScheduleAsync(ida, id, new { when = "at" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["schedule.at"], missing.ErrorFields());
        var noWhen = await (await ScheduleAsync(ida, id, new { })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["schedule.when"], noWhen.ErrorFields());
        await (await ScheduleAsync(ida, id, new { when = "tomorrow" })).ProblemAsync(HttpStatusCode.BadRequest);

        // A new subscription has no renewal: the item is named.
        var newOne = await (await ScheduleAsync(ida, id, new { when = "onRenewal" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["items[0]"], newOne.ErrorFields());
        Assert.Contains("New subscription: Acronis Cyber Protect Standard × 2", newOne.GetProperty("errors").GetProperty("items[0]")[0].GetString());

        // Items renewing at different moments: each is named with its renewal.
        var mixed = await ida.CreateCartIdAsync(Increase(E3, 12), Increase(Bitdefender, 45));
        var mixedBefore = await app.SnapshotAsync(mixed);
        var apart = await (await ScheduleAsync(ida, mixed, new { when = "onRenewal" })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["schedule.when"], apart.ErrorFields());
        var message = apart.GetProperty("errors").GetProperty("schedule.when")[0].GetString()!;
        Assert.Contains("Microsoft 365 E3", message);
        Assert.Contains("Bitdefender", message);

        // The same rules when the schedule comes with a new cart: nothing is created.
        var count = await app.WithDbAsync(db => db.Orders.CountAsync());
        await (await ida.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { NewAcronis(1) }, schedule = new { when = "onRenewal" } }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(count, await app.WithDbAsync(db => db.Orders.CountAsync()));

        Assert.Equal(before, await app.SnapshotAsync(id));
        Assert.Equal(mixedBefore, await app.SnapshotAsync(mixed));
    }

    [Fact]
    public async Task AMomentThatPassedBeforePlacing_IsRefusedAtPlacing_WithNothingPlaced()
    {
        await RulesAsync([]);
        var ida = await IdaAsync();
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        await (await ScheduleAsync(ida, id, new { when = "at", at = Now(app).AddSeconds(30) })).JsonAsync(HttpStatusCode.OK);
        // A minute later (not more: the suite's access tokens live 15 minutes of this clock).
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotAsync(id);
        var problem = await (await ida.PlaceAsync(id)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["schedule.at"], problem.ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Fact]
    public async Task Cancel_WithdrawsAScheduledOrder_AndIsRefusedEverywhereElse()
    {
        await RulesAsync([]);
        var ida = await IdaAsync();
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        await (await ScheduleAsync(ida, id, new { when = "at", at = Now(app).AddDays(2) })).JsonAsync(HttpStatusCode.OK);
        await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);

        // A read-only role may not; a customer's billing admin neither.
        await (await (await app.ClientAsync(Demo.SupportAgent, Demo.Fabrikam)).ActAsync(id, "cancel")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await (await app.ClientAsync(Demo.FabrikamBilling)).ActAsync(id, "cancel")).ProblemAsync(HttpStatusCode.Forbidden);

        // Any buyer may: here the seller, on behalf.
        var cancelled = await (await (await AnnaAsync()).ActAsync(id, "cancel")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Status());
        Assert.Equal("scheduled→cancelled", cancelled.Transitions()[^1]);
        Assert.Equal("Anna Berg", cancelled.Events()[^1].GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(["editNote"], cancelled.GetProperty("actions").Strings());
        Assert.Equal(["order.scheduled", "order.cancelled"], await EventTypesAsync(id));
        Assert.Contains(await ida.AllPagesAsync("view=historical"), o => o.Id() == id);

        // Cancelled is final; a cart, an order in progress and a completed one cannot be cancelled.
        foreach (var other in new[] { id, await ida.CreateCartIdAsync(NewAcronis(1)),
                     await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.InProgress),
                     await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.Completed) })
        {
            var before = await app.SnapshotAsync(other);
            var anna = await AnnaAsync();
            await (await anna.ActAsync(other, "cancel")).ProblemAsync(HttpStatusCode.Conflict);
            await (await anna.ActAsync(other, "approve", body: new { comment = "ok" })).ProblemAsync(HttpStatusCode.Conflict);
            await (await anna.ActAsync(other, "reject", body: new { reason = "no" })).ProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal(before, await app.SnapshotAsync(other));
        }
    }

    [Fact]
    public async Task APlacedOrder_CannotBeRescheduledOrPlacedAgain()
    {
        await RulesAsync([]);
        var ida = await IdaAsync();
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        await (await ScheduleAsync(ida, id, new { when = "at", at = Now(app).AddDays(2) })).JsonAsync(HttpStatusCode.OK);
        await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        var before = await app.SnapshotAsync(id);
        await (await ScheduleAsync(ida, id, new { when = "now" })).ProblemAsync(HttpStatusCode.Conflict);
        await (await ida.PlaceAsync(id)).ProblemAsync(HttpStatusCode.Conflict);
        await (await ida.ActAsync(id, "draft")).ProblemAsync(HttpStatusCode.Conflict);
        await (await ida.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{id}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.SnapshotAsync(id));
        await (await ida.ActAsync(id, "cancel")).JsonAsync(HttpStatusCode.OK);
    }

    // ---- approval rules ---------------------------------------------------------------------------

    [Fact]
    public async Task ApprovalRules_AreTheSellersForItsCustomersAndTheCustomerAdminsForItsOwn_AndBadRulesStoreNothing()
    {
        await RulesAsync([BigOrders()], [new { name = "Everything Felix orders", placedBy = new[] { "customer" }, approvers = new[] { "customerAdmin" } }]);
        var anna = await AnnaAsync();
        var ida = await IdaAsync();
        var sellers = await (await app.ClientAsync(Demo.SellerAdmin)).GetJsonAsync(RulesUrl);
        var rule = Assert.Single(sellers.GetProperty("rules").EnumerateArray());
        Assert.Equal("Big orders by customers", rule.GetProperty("name").GetString());
        Assert.Equal(["customer", "customerAdmin"], rule.GetProperty("placedBy").Strings());
        Assert.Equal(["newSubscription", "increaseQuantity"], rule.GetProperty("kinds").Strings());
        Assert.Equal(500m, rule.GetProperty("minMonthlyAmount").GetDecimal());
        Assert.Equal(["sellerAdmin", "accountManager"], rule.GetProperty("approvers").Strings());
        // Ida sees her own rules only, never the seller's.
        var own = await ida.GetJsonAsync(RulesUrl);
        Assert.Equal(["Everything Felix orders"], own.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        // Other roles may not.
        foreach (var user in new[] { Demo.AccountManager, Demo.FabrikamCustomer, Demo.DistributorAdmin, Demo.SupportAgent })
            await (await (await app.ClientAsync(user)).GetAsync(RulesUrl)).ProblemAsync(HttpStatusCode.Forbidden);

        // A customer's rule cannot concern markup nor name the seller's roles; every problem at once, nothing stored.
        var bad = await (await ida.SendAsync(HttpMethod.Put, RulesUrl, new { rules = new object[] {
            new { name = "Markup", kinds = new[] { "changeMarkup" }, approvers = new[] { "customerAdmin" } },
            new { name = "", approvers = new[] { "sellerAdmin" } },
            new { name = "No approvers", minMonthlyAmount = -1 },
        } })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["rules[0].kinds", "rules[1].approvers[0]", "rules[1].name", "rules[2].approvers", "rules[2].minMonthlyAmount"], bad.ErrorFields().Order());
        await (await ida.SendAsync(HttpMethod.Put, RulesUrl, new { })).ProblemAsync(HttpStatusCode.BadRequest);
        await (await ida.SendAsync(HttpMethod.Put, RulesUrl, new { rules = new[] { new { name = "x", approvers = new[] { "king" } } } }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(own.ToString(), (await ida.GetJsonAsync(RulesUrl)).ToString());
        await RulesAsync([]);
        Assert.Empty((await anna.GetJsonAsync(RulesUrl)).GetProperty("rules").EnumerateArray());
    }

    [Fact]
    public async Task ABigOrderByACustomer_WaitsForApproval_OnlyAnotherUserWithANamedRoleDecides_ApprovedItGoesToTheVendors()
    {
        await RulesAsync([BigOrders()]);
        var ida = await IdaAsync();
        var id = await ida.CreateCartIdAsync(Increase(E3, 40));
        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("pendingApproval", placed.Status());
        var approval = placed.GetProperty("approval");
        Assert.Equal("Big orders by customers", approval.GetProperty("rule").GetString());
        Assert.Equal("Ida Lund", approval.GetProperty("requestedBy").GetProperty("name").GetString());
        Assert.Equal(placed.GetProperty("placedAt").GetDateTime(), approval.GetProperty("requestedAt").GetDateTime());
        Assert.Equal(["sellerAdmin", "accountManager"], approval.GetProperty("approvers").Strings());
        Assert.Equal(["cancel", "editNote"], placed.GetProperty("actions").Strings().Order());
        Assert.Equal(0, await app.JobCountAsync(id)); // nothing goes to a vendor while it waits

        var before = await app.SnapshotAsync(id);
        // Ida created it; Felix and the subscriptions manager have no role the rule names.
        await (await ida.ActAsync(id, "approve", body: new { comment = "mine" })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await (await app.ClientAsync(Demo.FabrikamCustomer)).ActAsync(id, "approve")).ProblemAsync(HttpStatusCode.Forbidden);
        var manager = await app.ClientAsync(Demo.SubscriptionsManager, Demo.Fabrikam);
        await (await manager.ActAsync(id, "reject", body: new { reason = "no" })).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.DoesNotContain("approve", (await manager.OrderAsync(id)).GetProperty("actions").Strings());
        Assert.Equal(before, await app.SnapshotAsync(id));

        var anna = await AnnaAsync();
        Assert.Contains("approve", (await anna.OrderAsync(id)).GetProperty("actions").Strings());
        var approved = await (await anna.ActAsync(id, "approve", body: new { comment = "Budget confirmed." })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("inProgress", approved.Status());
        var decision = approved.Events()[^1];
        Assert.Equal("pendingApproval→inProgress", approved.Transitions()[^1]);
        Assert.Equal("Approved: Budget confirmed.", decision.GetProperty("reason").GetString());
        Assert.Equal("Anna Berg", decision.GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(Now(app), decision.GetProperty("at").GetDateTime(), TimeSpan.FromSeconds(5));
        Assert.Equal(1, await app.JobCountAsync(id));
        Assert.Equal(["order.approvalRequested", "order.approved"], await EventTypesAsync(id));
        await RulesAsync([]);
    }

    [Fact]
    public async Task ARejection_NeedsAReason_AndEndsTheOrderRejectedWithIt()
    {
        await RulesAsync([BigOrders()]);
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await felix.CreateCartIdAsync(NewE3(20));
        Assert.Equal("pendingApproval", (await (await felix.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
        var accountManager = await app.ClientAsync(Demo.AccountManager, Demo.Fabrikam);
        var before = await app.SnapshotAsync(id);
        Assert.Equal(["reason"], (await (await accountManager.ActAsync(id, "reject", body: new { reason = "  " })).ProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        await (await accountManager.ActAsync(id, "reject")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await app.SnapshotAsync(id));

        var rejected = await (await accountManager.ActAsync(id, "reject", body: new { reason = "Use the E3 you have." })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("rejected", rejected.Status());
        Assert.Equal("Rejected: Use the E3 you have.", rejected.Events()[^1].GetProperty("reason").GetString());
        Assert.Equal(["editNote"], rejected.GetProperty("actions").Strings());
        Assert.Equal(0, await app.JobCountAsync(id));
        Assert.Equal(["order.approvalRequested", "order.rejected"], await EventTypesAsync(id));
        // Rejected is final.
        await (await accountManager.ActAsync(id, "approve")).ProblemAsync(HttpStatusCode.Conflict);
        await RulesAsync([]);
    }

    [Fact]
    public async Task SmallOrdersAndOtherPlacers_AreNotHeld_AndTheAmountIsTheMonthlyPriceOfTheTotals()
    {
        var ida = await IdaAsync();
        var small = await ida.CreateCartAsync(Increase(E3, 12));
        var monthly = small.GetProperty("totals").EnumerateArray().Single().GetProperty("periodTotal").GetProperty("amount").GetDecimal();
        // A rule at exactly the order's monthly total holds it; a cent more does not.
        await RulesAsync([BigOrders(monthly + 0.01m)]);
        Assert.Equal("inProgress", (await (await ida.PlaceAsync(small.Id())).JsonAsync(HttpStatusCode.Accepted)).Status());
        await RulesAsync([BigOrders(monthly)]);
        var held = await ida.CreateCartIdAsync(Increase(E3, 12));
        Assert.Equal("pendingApproval", (await (await ida.PlaceAsync(held)).JsonAsync(HttpStatusCode.Accepted)).Status());

        // An annual price counts per month: a twelfth.
        var annualCart = await ida.CreateCartAsync(Increase(Bitdefender, 41));
        var annual = annualCart.GetProperty("totals").EnumerateArray().Single();
        Assert.Equal("annual", annual.GetProperty("billingCycle").GetString());
        var perMonth = Math.Round(annual.GetProperty("periodTotal").GetProperty("amount").GetDecimal() / 12m, 2, MidpointRounding.AwayFromZero);
        await RulesAsync([BigOrders(perMonth + 0.01m)]);
        Assert.Equal("inProgress", (await (await ida.PlaceAsync(annualCart.Id())).JsonAsync(HttpStatusCode.Accepted)).Status());
        await RulesAsync([BigOrders(perMonth)]);
        var annualHeld = await ida.CreateCartIdAsync(Increase(Bitdefender, 41));
        Assert.Equal("pendingApproval", (await (await ida.PlaceAsync(annualHeld)).JsonAsync(HttpStatusCode.Accepted)).Status());
        await (await ida.ActAsync(held, "cancel")).JsonAsync(HttpStatusCode.OK);
        await (await ida.ActAsync(annualHeld, "cancel")).JsonAsync(HttpStatusCode.OK);

        // The seller placing a big order is not a customer: not held.
        await RulesAsync([BigOrders(0m)]);
        var anna = await AnnaAsync();
        var bySeller = await anna.CreateCartIdAsync(Increase(Exchange, 9));
        Assert.Equal("inProgress", (await (await anna.PlaceAsync(bySeller)).JsonAsync(HttpStatusCode.Accepted)).Status());
        await RulesAsync([]);
    }

    [Fact]
    public async Task AnApprovedOrderWithASchedule_BecomesScheduled_ItsJobDueAtItsMoment()
    {
        await RulesAsync([BigOrders()]);
        var ida = await IdaAsync();
        var at = Now(app).AddDays(5);
        var id = await ida.CreateCartIdAsync(NewE3(25));
        await (await ScheduleAsync(ida, id, new { when = "at", at })).JsonAsync(HttpStatusCode.OK);

        // The preview says what placing will do: wait for this rule's approvers, then run at its moment, the
        // licences cancellable for the vendor's window from then on. Nothing changes.
        var version = (await ida.OrderAsync(id)).GetProperty("version").GetInt32();
        var preview = await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/preview", null)).JsonAsync(HttpStatusCode.OK);
        Assert.True(preview.GetProperty("canPlace").GetBoolean());
        Assert.Equal("Big orders by customers", preview.GetProperty("approval").GetProperty("rule").GetString());
        Assert.Equal(["sellerAdmin", "accountManager"], preview.GetProperty("approval").GetProperty("approvers").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("at", preview.GetProperty("schedule").GetProperty("when").GetString());
        Assert.Equal(at, preview.GetProperty("schedule").GetProperty("scheduledFor").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(at.AddHours(DemoData.MicrosoftCancellationWindowHours),
            preview.GetProperty("items")[0].GetProperty("cancellableUntil").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(version, (await ida.OrderAsync(id)).GetProperty("version").GetInt32());

        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("pendingApproval", placed.Status());
        Assert.Equal(at, placed.GetProperty("scheduledFor").GetDateTime(), TimeSpan.FromMilliseconds(1));

        var approved = await (await (await AnnaAsync()).ActAsync(id, "approve")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", approved.Status());
        Assert.Equal("Approved.", approved.Events()[^1].GetProperty("reason").GetString());
        Assert.Equal(at, (await JobDueAsync(id))!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(["order.approvalRequested", "order.approved"], await EventTypesAsync(id));

        // Waiting for approval, it can be withdrawn too.
        var other = await ida.CreateCartIdAsync(NewE3(30));
        Assert.Equal("pendingApproval", (await (await ida.PlaceAsync(other)).JsonAsync(HttpStatusCode.Accepted)).Status());
        Assert.Equal("cancelled", (await (await ida.ActAsync(other, "cancel")).JsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal(["order.approvalRequested", "order.cancelled"], await EventTypesAsync(other));
        await (await ida.ActAsync(id, "cancel")).JsonAsync(HttpStatusCode.OK);
        await RulesAsync([]);
    }

    [Fact]
    public async Task ACustomersOwnRule_NamesItsOwnApprovers_AndNeverHoldsAMarkupOnlyOrder()
    {
        await RulesAsync([], [new { name = "Felix asks first", placedBy = new[] { "customer", "customerAdmin" }, approvers = new[] { "customerAdmin" } }]);
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await felix.CreateCartIdAsync(NewAcronis(1));
        Assert.Equal("pendingApproval", (await (await felix.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
        // The seller's admin is not named by the customer's rule.
        await (await (await AnnaAsync()).ActAsync(id, "approve")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("inProgress", (await (await (await IdaAsync()).ActAsync(id, "approve")).JsonAsync(HttpStatusCode.OK)).Status());

        // A seller's markup-only order: no customer rule applies, whatever it says.
        await RulesAsync([], [new { name = "All orders", approvers = new[] { "customerAdmin" } }]);
        var anna = await AnnaAsync();
        var markup = await anna.CreateCartIdAsync(Markup(E3, 22m));
        Assert.Equal("inProgress", (await (await anna.PlaceAsync(markup)).JsonAsync(HttpStatusCode.Accepted)).Status());
        await RulesAsync([]);
    }

    // ---- markup never shows through ---------------------------------------------------------------

    [Fact]
    public async Task ASellersRuleAboutMarkup_AndAScheduledMarkupChange_AreInvisibleToCustomerLevelUsers()
    {
        await RulesAsync([new { name = "Markup changes need the admin", kinds = new[] { "changeMarkup", "increaseQuantity" },
            placedBy = new[] { "accountManager" }, approvers = new[] { "sellerAdmin" } }]);
        var manager = await app.ClientAsync(Demo.AccountManager, Demo.Fabrikam);
        var ida = await IdaAsync();

        // A mixed order held by a rule about markup: Ida sees the order waiting, not the rule's name, the markup item or its price.
        var mixed = await manager.CreateCartIdAsync(Increase(Exchange, 8), Markup(Exchange, 31m));
        var held = await (await manager.PlaceAsync(mixed)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("Markup changes need the admin", held.GetProperty("approval").GetProperty("rule").GetString());
        var seen = await ida.OrderAsync(mixed);
        Assert.Equal("pendingApproval", seen.Status());
        Assert.Equal("Your seller's approval", seen.GetProperty("approval").GetProperty("rule").GetString());
        Assert.DoesNotContain(seen.AllStrings(), s => s.Contains("Markup", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("markupPercent", seen.AllPropertyNames());
        Assert.Single(seen.Items());

        // A markup-only change scheduled on renewal: on the subscription for the seller, not for Ida.
        await RulesAsync([]);
        var anna = await AnnaAsync();
        var markup = await anna.CreateCartIdAsync(Markup(Bitdefender, 33m));
        await (await ScheduleAsync(anna, markup, new { when = "onRenewal" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", (await (await anna.PlaceAsync(markup)).JsonAsync(HttpStatusCode.Accepted)).Status());
        Assert.Contains((await anna.GetJsonAsync($"/api/v1/subscriptions/{Bitdefender}")).GetProperty("scheduledChanges").EnumerateArray(),
            c => c.GetProperty("orderId").GetInt64() == markup);
        foreach (var user in Demo.CustomerLevelUsers)
        {
            var client = await app.ClientAsync(user);
            var subscription = await client.GetJsonAsync($"/api/v1/subscriptions/{Bitdefender}");
            Assert.DoesNotContain(subscription.GetProperty("scheduledChanges").EnumerateArray(), c => c.GetProperty("orderId").GetInt64() == markup);
            Assert.DoesNotContain(await client.AllPagesAsync("view=recent"), o => o.Id() == markup);
            await (await client.GetAsync($"{OrdersUrl}/{markup}")).ProblemAsync(HttpStatusCode.NotFound);
            await (await client.ActAsync(markup, "cancel")).ProblemAsync(HttpStatusCode.NotFound);
        }
        // Nor does it stand in the way of Ida's own change on renewal of that subscription.
        var own = await ida.CreateCartIdAsync(Increase(Bitdefender, 44));
        await (await ScheduleAsync(ida, own, new { when = "onRenewal" })).JsonAsync(HttpStatusCode.OK);
        await (await anna.ActAsync(markup, "cancel")).JsonAsync(HttpStatusCode.OK);
        await (await anna.ActAsync(mixed, "cancel")).JsonAsync(HttpStatusCode.OK);
    }
}

public sealed class WorkflowApiTestsOnSqlite(SqliteFactory app) : WorkflowApiTests(app), IClassFixture<SqliteFactory>;
public sealed class WorkflowApiTestsOnPostgres(PostgresFactory app) : WorkflowApiTests(app), IClassFixture<PostgresFactory>;

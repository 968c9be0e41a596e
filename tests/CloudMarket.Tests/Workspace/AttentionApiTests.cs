using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Workspace;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using CloudMarket.VendorPolicies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CloudMarket.Tests.Workspace;

/// <summary>
/// GET /api/v1/attention and its bulk retry (api.md "Workspace"): every kind that exists, every role,
/// the markup rule, and that another seller's customers never appear. Time moves with the factory's
/// TestClock (forward only, by minutes); each test reads "now" from it, so the order the tests run in does not matter.
/// </summary>
public abstract class AttentionApiTests(CloudMarketFactory app)
{
    private const string Url = "/api/v1/attention";
    private static readonly Guid[] LitwareCustomers = [DemoData.Adatum, DemoData.Woodgrove, DemoData.Proseware];
    private static readonly Guid[] ContosoCustomers = [DemoData.Fabrikam, DemoData.Tailspin, DemoData.Wingtip];

    private DateTime Now => app.Clock.GetUtcNow().UtcDateTime;

    private async Task<JsonElement> AttentionAsync(string email, string query = "") =>
        await (await app.ClientAsync(email)).GetJsonAsync(Url + query);

    private static List<JsonElement> Rows(JsonElement attention, string kind) =>
        attention.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("kind").GetString() == kind).ToList();

    private static List<long> OrderIds(JsonElement attention, string kind) =>
        Rows(attention, kind).Select(i => i.GetProperty("orderId").GetInt64()).ToList();

    private static int Count(JsonElement attention, string kind) => attention.GetProperty("counts").GetProperty(kind).GetInt32();

    private static readonly string[] Kinds = ["provisioningFailed", "stuck", "pendingApproval", "scheduledSoon", "windowClosing"];

    /// <summary>A placed order of a customer, in inProgress at the app's now.</summary>
    private async Task<long> PlacedAsync(string email, Guid customer, params object[] items)
    {
        var client = await app.ClientAsync(email, customer);
        var id = await client.CreateCartIdAsync(items.Length == 0 ? [OrderKit.NewAcronis()] : items);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PlaceAsync(id)).StatusCode);
        return id;
    }

    /// <summary>The worker's part: every item of the order rejected with this code (vendorUnavailable = never reached).</summary>
    private Task FailAsync(long id, string code) => app.WithDbAsync(async db =>
    {
        var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        order.StartProvisioning(Now);
        foreach (var item in order.Items)
            order.RecordItemRejected(item.Id, code, $"{item.OfferName}: {code}", Now);
        return await db.SaveChangesAsync();
    });

    // ---- who may ask ----------------------------------------------------------------------

    [Theory]
    [InlineData(Demo.FabrikamAdmin)]
    [InlineData(Demo.FabrikamCustomer)]
    [InlineData(Demo.FabrikamBilling)]
    [InlineData(Demo.TailspinAdmin)]
    [InlineData(Demo.AdatumAdmin)]
    public async Task CustomerLevelUsers_Get403_FromTheQueueAndTheBulkRetry(string email)
    {
        var client = await app.ClientAsync(email);
        await (await client.GetAsync(Url)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await client.GetAsync(Url + "/activity")).ProblemAsync(HttpStatusCode.Forbidden);
        var failed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed);
        var before = await app.SnapshotAsync(failed);
        await (await client.PostAsync(Url + "/retry", JsonContent(new { orderIds = new[] { failed } }))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.SnapshotAsync(failed));
    }

    [Theory]
    [InlineData(Demo.DistributorAdmin)]
    [InlineData(Demo.DistributorReadOnly)]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.AccountManager)]
    [InlineData(Demo.SubscriptionsManager)]
    [InlineData(Demo.SupportAgent)]
    public async Task EverySellerAndDistributorRole_SeesTheQueue_WithCountsForEveryKind(string email)
    {
        var attention = await AttentionAsync(email);
        foreach (var kind in Kinds)
            Assert.True(attention.GetProperty("counts").TryGetProperty(kind, out _), kind);
        // The demo's order of Fabrikam's waiting for approval is there for everyone on Contoso's side too.
        Assert.Contains(await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.PendingApproval), OrderIds(attention, "pendingApproval"));
        // Fabrikam's order the vendor rejected (demo data) is there for everyone on Contoso's side.
        var failed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed);
        Assert.Contains(failed, OrderIds(attention, "provisioningFailed"));
    }

    // ---- what each sees ----------------------------------------------------------------------

    [Fact]
    public async Task Seller_SeesItsCustomersFailedAndStuckOrders_InWords_AndNoOtherSellersCustomer()
    {
        var attention = await AttentionAsync(Demo.SellerAdmin);
        var failedId = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed);
        var failed = Rows(attention, "provisioningFailed").Single(r => r.GetProperty("orderId").GetInt64() == failedId);
        Assert.Equal(Demo.Fabrikam, failed.GetProperty("customerId").GetGuid());
        Assert.Equal("Fabrikam Ltd", failed.GetProperty("customerName").GetString());
        Assert.Equal($"#{failedId}", failed.GetProperty("number").GetString());
        Assert.Equal("provisioningFailed", failed.GetProperty("status").GetString());
        // The vendor's words, and that this one needs a correction (a tenant that is taken).
        Assert.Contains("DomainAlreadyExists", failed.GetProperty("summary").GetString());
        Assert.False(failed.GetProperty("retryableAsIs").GetBoolean());
        var failedAt = await app.WithDbAsync(db => db.OrderEvents.Where(e => e.OrderId == failedId && e.ToStatus == OrderStatus.ProvisioningFailed).MaxAsync(e => e.At));
        Assert.Equal(failedAt, failed.GetProperty("since").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        // The demo's orders left in flight for days (seeded so, with no job for a worker to take) are stuck.
        var inFlight = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Fabrikam && !db.ProvisioningJobs.Any(j => j.OrderId == o.Id)
                && (o.Status == OrderStatus.InProgress || o.Status == OrderStatus.ProvisioningStarted || o.Status == OrderStatus.ProvisioningFinished))
            .Select(o => o.Id).ToListAsync());
        Assert.Equal(3, inFlight.Count);
        Assert.Subset(OrderIds(attention, "stuck").ToHashSet(), inFlight.ToHashSet());

        var customers = attention.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customerId").GetGuid()).ToHashSet();
        Assert.Empty(customers.Intersect(LitwareCustomers));
        // Every row is counted, and with fewer than 200 rows every counted row is listed.
        foreach (var kind in Kinds)
            Assert.Equal(Count(attention, kind), Rows(attention, kind).Count);
    }

    [Fact]
    public async Task OrdersWaitingForApproval_AndOrdersScheduledWithin7Days_AreListed_TheLaterOnesNot()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var inThreeDays = Now.AddDays(3);
        var soon = await anna.CreateCartIdAsync(OrderKit.NewAcronis());
        await anna.SendAsync(HttpMethod.Put, $"/api/v1/orders/{soon}/schedule", new { when = "at", at = inThreeDays });
        Assert.Equal(HttpStatusCode.Accepted, (await anna.PlaceAsync(soon)).StatusCode);
        var later = await anna.CreateCartIdAsync(OrderKit.NewAcronis());
        await anna.SendAsync(HttpMethod.Put, $"/api/v1/orders/{later}/schedule", new { when = "at", at = Now.AddDays(8) });
        Assert.Equal(HttpStatusCode.Accepted, (await anna.PlaceAsync(later)).StatusCode);

        var attention = await AttentionAsync(Demo.SellerAdmin);
        var scheduled = Rows(attention, "scheduledSoon").Single(r => r.GetProperty("orderId").GetInt64() == soon);
        Assert.Equal("scheduled", scheduled.GetProperty("status").GetString());
        Assert.Equal(inThreeDays, scheduled.GetProperty("due").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain(later, OrderIds(attention, "scheduledSoon"));
        Assert.DoesNotContain(soon, OrderIds(attention, "stuck")); // waiting for its time is not being stuck

        // The demo's order held for approval (Fabrikam's, by a customer) is the seller's to see; Litware's seller has none of it.
        var pending = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.PendingApproval);
        Assert.Contains(pending, OrderIds(attention, "pendingApproval"));
        Assert.Equal(Count(attention, "pendingApproval"), Rows(attention, "pendingApproval").Count);
        Assert.DoesNotContain(pending, OrderIds(await AttentionAsync(Demo.LitwareAdmin), "pendingApproval"));

        await (await anna.ActAsync(soon, "cancel")).JsonAsync(HttpStatusCode.OK);
        await (await anna.ActAsync(later, "cancel")).JsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(soon, OrderIds(await AttentionAsync(Demo.SellerAdmin), "scheduledSoon"));
    }

    [Fact]
    public async Task AnotherSellersCustomers_NeverAppear_TheDistributorSeesBoth()
    {
        var adatumOrder = await PlacedAsync(Demo.DistributorAdmin, DemoData.Adatum);
        await FailAsync(adatumOrder, "QuantityAboveLimit");

        var contoso = await AttentionAsync(Demo.SellerAdmin);
        Assert.DoesNotContain(adatumOrder, OrderIds(contoso, "provisioningFailed"));
        Assert.Empty(contoso.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customerId").GetGuid()).Intersect(LitwareCustomers));

        var litware = await AttentionAsync(Demo.LitwareAdmin);
        Assert.Contains(adatumOrder, OrderIds(litware, "provisioningFailed"));
        Assert.Empty(litware.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("customerId").GetGuid()).Intersect(ContosoCustomers));

        var distributor = await AttentionAsync(Demo.DistributorAdmin);
        Assert.Contains(adatumOrder, OrderIds(distributor, "provisioningFailed"));
        Assert.Contains(await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed), OrderIds(distributor, "provisioningFailed"));
        Assert.Equal(Count(contoso, "provisioningFailed") + Count(litware, "provisioningFailed"), Count(distributor, "provisioningFailed"));
    }

    [Fact]
    public async Task MarkupOnlyOrders_AreTheSellersToSee()
    {
        var markupOnly = await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam, OrderKit.Markup(Demo.FabrikamE3, 17m));
        await FailAsync(markupOnly, "InvalidAdminEmail");

        foreach (var email in new[] { Demo.SellerAdmin, Demo.SupportAgent, Demo.DistributorAdmin })
        {
            var row = Rows(await AttentionAsync(email), "provisioningFailed").Single(r => r.GetProperty("orderId").GetInt64() == markupOnly);
            Assert.Contains("Markup change: Microsoft 365 E3", row.GetProperty("summary").GetString());
        }
        // Customer-level users have no way into the queue (403 above); the order does not exist for them.
        var customer = await app.ClientAsync(Demo.FabrikamAdmin);
        await (await customer.GetAsync($"{OrderKit.OrdersUrl}/{markupOnly}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    // ---- stuck ----------------------------------------------------------------------------------

    [Fact]
    public async Task AnOrderInFlight_IsStuckOnceItsStatusHasNotMovedFor15Minutes()
    {
        var placedAt = Now;
        var id = await PlacedAsync(Demo.AccountManager, Demo.Tailspin);
        Assert.DoesNotContain(id, OrderIds(await AttentionAsync(Demo.SellerAdmin), "stuck"));

        app.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.DoesNotContain(id, OrderIds(await AttentionAsync(Demo.SellerAdmin), "stuck"));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var attention = await AttentionAsync(Demo.SellerAdmin);
        var row = Rows(attention, "stuck").Single(r => r.GetProperty("orderId").GetInt64() == id);
        Assert.Equal("inProgress", row.GetProperty("status").GetString());
        Assert.Equal("Tailspin Toys", row.GetProperty("customerName").GetString());
        Assert.InRange(row.GetProperty("since").GetDateTime().ToUniversalTime(), placedAt, placedAt.AddSeconds(30));
        Assert.Contains("New subscription: Acronis Cyber Protect Standard × 3", row.GetProperty("summary").GetString());

        // Sent to the vendors: the status moved, so it is not stuck until it stays still again.
        await app.WithDbAsync(async db =>
        {
            var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
            order.StartProvisioning(Now);
            return await db.SaveChangesAsync();
        });
        Assert.DoesNotContain(id, OrderIds(await AttentionAsync(Demo.SellerAdmin), "stuck"));
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Contains(id, OrderIds(await AttentionAsync(Demo.SellerAdmin), "stuck"));
    }

    // ---- counts ---------------------------------------------------------------------------------

    /// <summary>
    /// The counts come from one aggregate over an index (docs/performance.md): they must be every order of each kind as
    /// the rule of api.md says, worked out here from the rows — the stuck threshold and the scheduled horizon included.
    /// </summary>
    [Fact]
    public async Task Counts_AreEveryOrderOfEachKind_AsTheRuleSays()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        foreach (var days in new[] { 6.9, 7.1 })
        {
            var scheduled = await anna.CreateCartIdAsync(OrderKit.NewAcronis());
            await anna.SendAsync(HttpMethod.Put, $"/api/v1/orders/{scheduled}/schedule", new { when = "at", at = Now.AddDays(days) });
            Assert.Equal(HttpStatusCode.Accepted, (await anna.PlaceAsync(scheduled)).StatusCode);
        }
        await PlacedAsync(Demo.SellerAdmin, DemoData.Wingtip);           // in flight, not yet stuck
        await FailAsync(await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam), "InvalidAdminEmail");
        app.Clock.Advance(TimeSpan.FromMinutes(16));
        await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);          // in flight since now: not stuck, the one above is

        foreach (var (email, customers) in new[] { (Demo.SellerAdmin, ContosoCustomers), (Demo.DistributorAdmin, [.. ContosoCustomers, .. LitwareCustomers]) })
        {
            // "Now" moves with the real clock between the request and the rows read here: the counts of both moments must agree.
            var before = await ExpectedCountsAsync(customers);
            var attention = await AttentionAsync(email);
            var after = await ExpectedCountsAsync(customers);
            var counts = Kinds.Select(k => Count(attention, k)).ToArray();
            Assert.True(counts.SequenceEqual(before) || counts.SequenceEqual(after),
                $"{email}: [{string.Join(", ", counts)}], the rule says [{string.Join(", ", before)}]");
            Assert.All(counts.Take(4), c => Assert.True(c > 0));
        }
    }

    /// <summary>The counts of <see cref="Kinds"/> for these customers at the app's now, by api.md's rules applied to every row.</summary>
    private Task<int[]> ExpectedCountsAsync(Guid[] customers) => app.WithDbAsync(async db =>
    {
        var now = Now;
        var orders = await db.Orders.AsNoTracking().Where(o => customers.Contains(o.CustomerId))
            .Select(o => new { o.Status, o.StatusChangedAt, o.ScheduledFor }).ToListAsync();
        return new[]
        {
            orders.Count(o => o.Status == OrderStatus.ProvisioningFailed),
            orders.Count(o => OrderLifecycle.IsInFlight(o.Status) && o.StatusChangedAt < now.AddMinutes(-15)),
            orders.Count(o => o.Status == OrderStatus.PendingApproval),
            orders.Count(o => o.Status == OrderStatus.Scheduled && o.ScheduledFor <= now.AddDays(7)),
            (await ClosingWithin48HoursAsync(customers)).Count,
        };
    });

    // ---- the tallies behind the counts ----------------------------------------------------------

    /// <summary>
    /// Every customer's orders in each queue status, recounted from the orders, and as the tallies say (totals plus the
    /// changes not yet folded, read in one statement: the app's fold may commit meanwhile). Only non-zero entries.
    /// </summary>
    private Task<(Dictionary<(Guid, OrderStatus), int> Recount, Dictionary<(Guid, OrderStatus), int> Tallied)> TalliesAsync() =>
        app.WithDbAsync(async db =>
        {
            var statuses = AttentionQueries.OrderStatuses;
            var recount = (await db.Orders.Where(o => statuses.Contains(o.Status)).GroupBy(o => new { o.CustomerId, o.Status })
                .Select(g => new { g.Key.CustomerId, g.Key.Status, Count = g.Count() }).ToListAsync())
                .ToDictionary(r => (r.CustomerId, r.Status), r => r.Count);
            var tallied = (await db.Set<AttentionTally>().Select(t => new { t.CustomerId, t.Status, N = t.Count })
                    .Concat(db.Set<AttentionTallyChange>().Select(c => new { c.CustomerId, c.Status, N = c.Delta }))
                    .GroupBy(r => new { r.CustomerId, r.Status }).Select(g => new { g.Key.CustomerId, g.Key.Status, Count = g.Sum(r => r.N) })
                    .ToListAsync())
                .Where(r => r.Count != 0).ToDictionary(r => (r.CustomerId, r.Status), r => r.Count);
            return (recount, tallied);
        });

    private async Task AssertTalliesExactAsync(string when)
    {
        var (recount, tallied) = await TalliesAsync();
        Assert.True(recount.OrderBy(r => r.Key).SequenceEqual(tallied.OrderBy(r => r.Key)),
            $"{when}: the orders say [{string.Join(", ", recount.OrderBy(r => r.Key))}], the tallies [{string.Join(", ", tallied.OrderBy(r => r.Key))}]");
    }

    /// <summary>
    /// This class's apps run without their own <see cref="AttentionTallyFolder"/>: its folds come every 5 seconds of
    /// real time (the test clock runs on), so they would race the folds a test makes and counts — a fold that meets
    /// another fails by design. The tests fold themselves (<see cref="FoldAllAsync"/>), and
    /// <see cref="TheFolder_FoldsWhenItStarts_AndAtEveryInterval"/> runs the folder
    /// on a fake clock.
    /// </summary>
    protected static void WithoutTheAppsFolder(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
        {
            var folder = services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AttentionTallyFolder));
            services.Remove(folder);
        });

    private Task<int> ChangeRowsAsync() => app.WithDbAsync(db => db.Set<AttentionTallyChange>().CountAsync());

    /// <summary>Waits (in real time, up to 10 s) for the folder, which works on its own thread, to empty the change table.</summary>
    private async Task UntilFoldedAsync(string when)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await ChangeRowsAsync() > 0)
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"{when}: the folder left {await ChangeRowsAsync()} change rows for 10 s");
            await Task.Delay(20);
        }
    }

    private Task<int> FoldAllAsync() => app.WithDbAsync(async db =>
    {
        var total = 0;
        for (int folded; (folded = await AttentionTallies.FoldAsync(db, CancellationToken.None)) > 0; db.ChangeTracker.Clear())
            total += folded;
        return total;
    });

    [Fact]
    public async Task Tallies_FollowEveryKindOfTransition_BeforeAndAfterFolding()
    {
        await AssertTalliesExactAsync("the demo data");
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);

        var cart = await anna.CreateCartIdAsync(OrderKit.NewAcronis());                             // started: not on the queue
        var failing = await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);                       // inProgress
        var scheduled = await anna.CreateCartIdAsync(OrderKit.NewAcronis());
        await anna.SendAsync(HttpMethod.Put, $"/api/v1/orders/{scheduled}/schedule", new { when = "at", at = Now.AddDays(3) });
        Assert.Equal(HttpStatusCode.Accepted, (await anna.PlaceAsync(scheduled)).StatusCode);   // scheduled
        var approved = await felix.CreateCartIdAsync(OrderKit.NewE3(20));
        var rejected = await felix.CreateCartIdAsync(OrderKit.NewE3(20));
        foreach (var id in new[] { approved, rejected })
            Assert.Equal("pendingApproval", (await (await felix.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
        await AssertTalliesExactAsync("placed");

        await (await anna.ActAsync(approved, "approve", body: new { comment = "Fine." })).JsonAsync(HttpStatusCode.OK);
        await (await anna.ActAsync(rejected, "reject", body: new { reason = "No." })).JsonAsync(HttpStatusCode.OK);
        await (await anna.ActAsync(scheduled, "cancel")).JsonAsync(HttpStatusCode.OK);
        await FailAsync(failing, OrderItem.VendorUnavailableCode);                               // the worker: a vendor unreachable
        await AssertTalliesExactAsync("decided and failed");
        Assert.True(await FoldAllAsync() > 0);
        await AssertTalliesExactAsync("folded");

        await (await anna.ActAsync(failing, "retry")).JsonAsync(HttpStatusCode.OK);                // back with the vendors
        await FailAsync(failing, "InvalidAdminEmail");
        await (await anna.ActAsync(failing, "close")).JsonAsync(HttpStatusCode.OK);
        await app.ProvisionAsync(approved);                                                      // provisioningFinished
        await app.CompleteAsync(approved);
        Assert.Equal(HttpStatusCode.OK, (await anna.DeleteAsync($"{OrderKit.OrdersUrl}/{cart}")).StatusCode);
        await AssertTalliesExactAsync("retried, closed, completed, deleted");
        await FoldAllAsync();
        await AssertTalliesExactAsync("folded again");
        Assert.Equal(0, await ChangeRowsAsync());

        // And the API's counts are the rule's, from the tallies.
        var before = await ExpectedCountsAsync([.. ContosoCustomers, .. LitwareCustomers]);
        var attention = await AttentionAsync(Demo.DistributorAdmin);
        var after = await ExpectedCountsAsync([.. ContosoCustomers, .. LitwareCustomers]);
        var counts = Kinds.Select(k => Count(attention, k)).ToArray();
        Assert.True(counts.SequenceEqual(before) || counts.SequenceEqual(after), $"[{string.Join(", ", counts)}], the rule says [{string.Join(", ", before)}]");
    }

    [Fact]
    public async Task TheFolder_FoldsWhenItStarts_AndAtEveryInterval()
    {
        await FoldAllAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var folder = new AttentionTallyFolder(app.Services.GetRequiredService<IServiceScopeFactory>(), clock, NullLogger<AttentionTallyFolder>.Instance);
        await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
        Assert.True(await ChangeRowsAsync() > 0);
        await folder.StartAsync(CancellationToken.None);
        try
        {
            await UntilFoldedAsync("started");
            await AssertTalliesExactAsync("folded by the folder when it started");

            // Another instance's fold read the same batch; the folder's fold at its next interval commits first, so
            // the other's save fails whole.
            await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
            await using var other = app.Services.CreateAsyncScope();
            var otherDb = other.ServiceProvider.GetRequiredService<AppDbContext>();
            var others = await AttentionTallies.StageFoldAsync(otherDb, CancellationToken.None);
            Assert.NotNull(others);
            clock.Advance(AttentionTallyFolder.Interval);
            await UntilFoldedAsync("one interval on");
            await Assert.ThrowsAnyAsync<DbUpdateException>(() => others.CommitAsync(CancellationToken.None));

            await PlacedAsync(Demo.SellerAdmin, Demo.Tailspin);
            clock.Advance(AttentionTallyFolder.Interval);
            await UntilFoldedAsync("two intervals on");
            await AssertTalliesExactAsync("folded by the folder at its intervals");
        }
        finally
        {
            await folder.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AFoldThatMeetsAnotherFold_FailsWhole_AndNothingIsCountedTwice()
    {
        await FoldAllAsync();
        // Changes for a customer with totals already (Fabrikam) and for one whose total of this status is new.
        await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await FailAsync(await PlacedAsync(Demo.DistributorAdmin, DemoData.Woodgrove), "InvalidAdminEmail");
        await using var scopeA = app.Services.CreateAsyncScope();
        await using var scopeB = app.Services.CreateAsyncScope();
        var a = scopeA.ServiceProvider.GetRequiredService<AppDbContext>();
        var b = scopeB.ServiceProvider.GetRequiredService<AppDbContext>();

        // Both read the same batch; A saves first; B's save must fail and roll back whole.
        var staged = await AttentionTallies.StageFoldAsync(b, CancellationToken.None);
        Assert.NotNull(staged);
        var changeRows = await ChangeRowsAsync();
        Assert.Equal(changeRows, await AttentionTallies.FoldAsync(a, CancellationToken.None));
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => staged.CommitAsync(CancellationToken.None));
        await AssertTalliesExactAsync("after two folds of one batch");
        Assert.Equal(0, await ChangeRowsAsync());
    }

    [Fact]
    public async Task AFoldWhoseChangeRowsAreGone_WritesNothing_EvenWithTotalsReadAfterTheOtherFold()
    {
        // The other fold's commit can fall between this fold's read of the change rows and its read of the totals: the
        // totals it read are then current, and only its change rows being gone tells it the batch was folded already.
        await FoldAllAsync();
        await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await PlacedAsync(Demo.SellerAdmin, Demo.Tailspin);
        var before = await TotalsAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var staged = await AttentionTallies.StageFoldAsync(db, CancellationToken.None);
        Assert.NotNull(staged);
        var rows = await ChangeRowsAsync();
        // "The other fold" takes one of the batch's rows; it is put back afterwards, so the fixture's tallies stay exact.
        var taken = await app.WithDbAsync(other => other.Set<AttentionTallyChange>().AsNoTracking().OrderBy(c => c.Id).FirstAsync());
        await app.WithDbAsync(other => other.Set<AttentionTallyChange>().Where(c => c.Id == taken.Id).ExecuteDeleteAsync());
        try
        {
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => staged.CommitAsync(CancellationToken.None));
            Assert.Equal(before, await TotalsAsync());
            Assert.Equal(rows - 1, await ChangeRowsAsync());
        }
        finally
        {
            // In SQL: a save's recorder keeps only the change rows it works out itself.
            await app.WithDbAsync(other => other.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "AttentionTallyChanges" ("CustomerId", "Status", "Delta") VALUES ({taken.CustomerId}, {taken.Status.ToString()}, {taken.Delta})"""));
        }
        await AssertTalliesExactAsync("after the fold that wrote nothing");
    }

    private Task<List<(Guid, OrderStatus, int)>> TotalsAsync() => app.WithDbAsync(async db =>
        (await db.Set<AttentionTally>().AsNoTracking().OrderBy(t => t.CustomerId).ThenBy(t => t.Status).ToListAsync())
        .ConvertAll(t => (t.CustomerId, t.Status, t.Count)));

    [Fact]
    public async Task ASaveRetriedAfterAConcurrencyConflict_RecordsItsChangeOnce()
    {
        var id = await PlacedAsync(Demo.SellerAdmin, Demo.Tailspin);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        order.StartProvisioning(Now);
        // Meanwhile someone else changes the order (its note): the first save conflicts, with its change rows recorded.
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        Assert.Equal(HttpStatusCode.OK, (await anna.NoteAsync(id, "Call the customer first.")).StatusCode);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => db.SaveChangesAsync());

        // Retried as EF's docs show: the order's stored values become the originals, and the same unit of work is saved again.
        var entry = db.Entry(order);
        entry.OriginalValues.SetValues((await entry.GetDatabaseValuesAsync())!);
        await db.SaveChangesAsync();
        Assert.Equal(OrderStatus.ProvisioningStarted, await app.WithDbAsync(d => d.Orders.Where(o => o.Id == id).Select(o => o.Status).SingleAsync()));
        await AssertTalliesExactAsync("after the retried save");
    }

    /// <summary>
    /// 16 clients' transitions of one customer's orders at once, each save in its own context and transaction, with two
    /// folds running meanwhile (as two instances would): saves only add change rows, so none waits on another's counter
    /// row, none deadlocks or fails, and the tallies stay exact. Run where transactions really overlap (PostgreSQL).
    /// </summary>
    protected async Task ConcurrentTransitionsOfOneCustomer_FinishWithoutErrors_AndLeaveExactTallies()
    {
        using var stop = new CancellationTokenSource();
        var folds = 0;
        Task FoldingAsync() => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                try
                {
                    Interlocked.Add(ref folds, await FoldAllAsync());
                }
                catch (DbUpdateException)
                {
                    // The other fold took the batch first: nothing counted, try again.
                }
        });
        var folding = Task.WhenAll(FoldingAsync(), FoldingAsync());
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam)));
        await Task.WhenAll(ids.Select(id => FailAsync(id, OrderItem.VendorUnavailableCode)));
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var retried = await Task.WhenAll(ids.Select(id => anna.ActAsync(id, "retry")));
        Assert.All(retried, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await Task.WhenAll(ids.Select(id => FailAsync(id, "InvalidAdminEmail")));
        stop.Cancel();
        await folding;
        Assert.True(folds > 0);
        await AssertTalliesExactAsync("after the concurrent transitions");
        await FoldAllAsync();
        await AssertTalliesExactAsync("folded");
    }

    // ---- cancellation windows -------------------------------------------------------------------

    [Fact]
    public async Task SubscriptionsWhoseWindowClosesWithin48Hours_AreListed_WithoutAnOrder()
    {
        var now = Now;
        var closingSoon = Guid.NewGuid();   // window closes in 38 h
        var closingLater = Guid.NewGuid();  // in 68 h
        var closed = Guid.NewGuid();        // closed 2 h ago
        var noWindow = Guid.NewGuid();      // Acronis takes licences back at any time
        var othersSoon = Guid.NewGuid();    // Adatum's (Litware), in 30 h
        await app.WithDbAsync(async db =>
        {
            var offers = await db.Offers.ToDictionaryAsync(o => o.Id);
            Subscription Sub(Guid id, Guid customer, string offer, DateTime start) =>
                new(id, customer, offers[offer], 4, BillingCycle.Monthly, true, start, 20m, new AdminContact("it@fabrikam.example", "Ida", "Lund"), null, null);
            db.Subscriptions.AddRange(
                Sub(closingSoon, Demo.Fabrikam, DemoData.OfferIds.BusinessBasic, now.AddHours(-130)),
                Sub(closingLater, Demo.Tailspin, DemoData.OfferIds.BusinessBasic, now.AddHours(-100)),
                Sub(closed, Demo.Tailspin, DemoData.OfferIds.BusinessBasic, now.AddHours(-170)),
                Sub(noWindow, Demo.Fabrikam, DemoData.OfferIds.AcronisProtect, now.AddHours(-150)),
                Sub(othersSoon, DemoData.Adatum, DemoData.OfferIds.BusinessBasic, now.AddHours(-138)));
            return await db.SaveChangesAsync();
        });

        var attention = await AttentionAsync(Demo.SellerAdmin);
        var rows = Rows(attention, "windowClosing");
        var row = rows.Single(r => r.GetProperty("subscriptionId").GetGuid() == closingSoon);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("orderId").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("number").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("status").ValueKind);
        Assert.Equal("Fabrikam Ltd", row.GetProperty("customerName").GetString());
        Assert.Equal(now.AddHours(-130), row.GetProperty("since").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(now.AddHours(38), row.GetProperty("due").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.StartsWith("Microsoft 365 Business Basic × 4: licences can be decreased until", row.GetProperty("summary").GetString());
        var listed = rows.Select(r => r.GetProperty("subscriptionId").GetGuid()).ToHashSet();
        Assert.DoesNotContain(closingLater, listed);
        Assert.DoesNotContain(closed, listed);
        Assert.DoesNotContain(noWindow, listed);
        Assert.DoesNotContain(othersSoon, listed);
        Assert.Contains(othersSoon, Rows(await AttentionAsync(Demo.LitwareAdmin), "windowClosing").Select(r => r.GetProperty("subscriptionId").GetGuid()));

        // The SQL agrees with the one rule of the window (Subscription.CancellableUntil, CancellationPolicy) for every subscription.
        Assert.Equal(await ClosingWithin48HoursAsync(ContosoCustomers), listed);
        Assert.Equal(await ClosingWithin48HoursAsync([.. ContosoCustomers, .. LitwareCustomers]),
            Rows(await AttentionAsync(Demo.DistributorAdmin), "windowClosing").Select(r => r.GetProperty("subscriptionId").GetGuid()).ToHashSet());
    }

    [Fact]
    public async Task AWindowAnIncreaseOpened_IsListed_AsTheSubscriptionsOwnRuleSays()
    {
        var now = Now;
        var increased = Guid.NewGuid();   // bought 20 days ago (its term's window closed), 5 licences added 130 h ago
        await app.WithDbAsync(async db =>
        {
            var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.BusinessBasic);
            var subscription = new Subscription(increased, DemoData.Wingtip, offer, 4, BillingCycle.Monthly, true, now.AddDays(-20), 20m,
                new AdminContact("it@wingtip.example", "Ida", "Lund"), null, null);
            subscription.SetQuantity(9, offer, now.AddHours(-130));
            db.Subscriptions.Add(subscription);
            return await db.SaveChangesAsync();
        });

        var row = Rows(await AttentionAsync(Demo.SellerAdmin), "windowClosing").Single(r => r.GetProperty("subscriptionId").GetGuid() == increased);
        Assert.Equal(now.AddHours(-130), row.GetProperty("since").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(now.AddHours(38), row.GetProperty("due").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.StartsWith("Microsoft 365 Business Basic × 9: licences can be decreased until", row.GetProperty("summary").GetString());
        Assert.Contains(increased, await ClosingWithin48HoursAsync(ContosoCustomers));
    }

    [Fact]
    public async Task ARenewedTermsWindow_IsListed_RecordedOrNot_AsTheSubscriptionsOwnRuleSays()
    {
        var now = Now;
        var termStart = now.AddHours(-130);   // the second term began 130 h ago: its window (168 h) closes in 38 h
        var recorded = Guid.NewGuid();        // the renewal recorded (its renewal date is the second term's end)
        var due = Guid.NewGuid();             // the renewal due but not yet recorded (its renewal date has passed)
        var firstTerm = Guid.NewGuid();       // bought 130 h ago: in its first term, and listed as well
        await app.WithDbAsync(async db =>
        {
            var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.BusinessBasic);
            Subscription Sub(Guid id, DateTime start) => new(id, DemoData.Wingtip, offer, 4, BillingCycle.Monthly, true, start, 20m,
                new AdminContact("it@wingtip.example", "Ida", "Lund"), null, null);
            var renewed = Sub(recorded, termStart.AddMonths(-offer.TermMonths));
            Assert.True(renewed.RecordRenewalsDueBy(now));
            db.Subscriptions.AddRange(renewed, Sub(due, termStart.AddMonths(-offer.TermMonths)), Sub(firstTerm, termStart));
            return await db.SaveChangesAsync();
        });

        var rows = Rows(await AttentionAsync(Demo.SellerAdmin), "windowClosing");
        foreach (var id in new[] { recorded, due, firstTerm })
        {
            var row = rows.Single(r => r.GetProperty("subscriptionId").GetGuid() == id);
            Assert.Equal(termStart, row.GetProperty("since").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
            Assert.Equal(now.AddHours(38), row.GetProperty("due").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(await ClosingWithin48HoursAsync(ContosoCustomers), rows.Select(r => r.GetProperty("subscriptionId").GetGuid()).ToHashSet());
    }

    private Task<HashSet<Guid>> ClosingWithin48HoursAsync(Guid[] customers) => app.WithDbAsync(async db =>
    {
        var now = Now;
        var subscriptions = await db.Subscriptions.Include(s => s.Offer).Where(s => customers.Contains(s.CustomerId)).ToListAsync();
        return subscriptions.Where(s => s.CancellableUntil(s.Offer, now) is { } until && until <= now.AddHours(48)).Select(s => s.Id).ToHashSet();
    });

    // ---- kind filter ----------------------------------------------------------------------------

    [Fact]
    public async Task KindFilter_ListsOneKind_AndKeepsEveryCount()
    {
        var all = await AttentionAsync(Demo.DistributorAdmin);
        var stuck = await AttentionAsync(Demo.DistributorAdmin, "?kind=stuck");
        Assert.All(stuck.GetProperty("items").EnumerateArray(), i => Assert.Equal("stuck", i.GetProperty("kind").GetString()));
        Assert.Equal(Rows(all, "stuck").Count, stuck.GetProperty("items").GetArrayLength());
        foreach (var kind in Kinds)
            Assert.Equal(Count(all, kind), Count(stuck, kind));

        var problem = await (await (await app.ClientAsync(Demo.SellerAdmin)).GetAsync(Url + "?kind=late")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("kind", problem.ErrorFields());
    }

    // ---- bulk retry -----------------------------------------------------------------------------

    [Fact]
    public async Task BulkRetry_RetriesOnlyFailedOrdersThatNeedNoCorrection_AndSaysWhyNotForTheRest()
    {
        var unreachable = await PlacedAsync(Demo.SellerAdmin, Demo.Tailspin);
        await FailAsync(unreachable, OrderItem.VendorUnavailableCode);
        var rejected = await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await FailAsync(rejected, "InvalidAdminEmail");
        var inFlight = await PlacedAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var othersSeller = await PlacedAsync(Demo.DistributorAdmin, DemoData.Adatum);
        await FailAsync(othersSeller, OrderItem.VendorUnavailableCode);

        // The queue tells which failed orders the bulk retry takes.
        var failedRows = Rows(await AttentionAsync(Demo.SellerAdmin), "provisioningFailed");
        Assert.True(failedRows.Single(r => r.GetProperty("orderId").GetInt64() == unreachable).GetProperty("retryableAsIs").GetBoolean());
        Assert.False(failedRows.Single(r => r.GetProperty("orderId").GetInt64() == rejected).GetProperty("retryableAsIs").GetBoolean());

        var untouched = new[] { rejected, inFlight, othersSeller };
        var before = new Dictionary<long, OrderKit.Snapshot>();
        foreach (var id in untouched) before[id] = await app.SnapshotAsync(id);
        var attempt = await app.WithDbAsync(db => db.OrderItems.Where(i => i.OrderId == unreachable).Select(i => i.ProvisioningAttempt).SingleAsync());

        var client = await app.ClientAsync(Demo.AccountManager);
        var result = await client.PostJsonAsync(Url + "/retry", new { orderIds = new[] { unreachable, rejected, inFlight, othersSeller, 999_999_999L } }, HttpStatusCode.OK);
        var items = result.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([unreachable, rejected, inFlight, othersSeller, 999_999_999L], items.Select(i => i.GetProperty("orderId").GetInt64()));
        var outcomes = items.ToDictionary(i => i.GetProperty("orderId").GetInt64(), i => i.GetProperty("outcome").GetString());
        Assert.Equal("retried", outcomes[unreachable]);
        Assert.Equal("needsCorrection", outcomes[rejected]);
        Assert.Equal("notFailed", outcomes[inFlight]);
        Assert.Equal("notFound", outcomes[othersSeller]);
        Assert.Equal("notFound", outcomes[999_999_999L]);

        // Retried as POST /orders/{id}/retry does it: back with the vendors, a job queued, the same vendor request
        // (an unanswered request may have been carried out, so it is asked again under the same key), by this user.
        var order = await (await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin)).OrderAsync(unreachable);
        Assert.Equal("provisioningStarted", order.Status());
        Assert.Equal("Marco Rossi", order.Events()[^1].GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(2, await app.JobCountAsync(unreachable));
        Assert.Equal(attempt, await app.WithDbAsync(db => db.OrderItems.Where(i => i.OrderId == unreachable).Select(i => i.ProvisioningAttempt).SingleAsync()));
        foreach (var id in untouched)
            Assert.Equal(before[id], await app.SnapshotAsync(id));
        Assert.DoesNotContain(unreachable, OrderIds(await AttentionAsync(Demo.SellerAdmin), "provisioningFailed"));
    }

    [Theory]
    [InlineData(Demo.SupportAgent)]
    [InlineData(Demo.DistributorReadOnly)]
    public async Task BulkRetry_IsRefusedToReadOnlyRoles(string email)
    {
        var id = await PlacedAsync(Demo.SellerAdmin, Demo.Tailspin);
        await FailAsync(id, OrderItem.VendorUnavailableCode);
        var before = await app.SnapshotAsync(id);
        var client = await app.ClientAsync(email);
        await (await client.PostAsync(Url + "/retry", JsonContent(new { orderIds = new[] { id } }))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{}", "orderIds")]
    [InlineData("""{"orderIds":[]}""", "orderIds")]
    [InlineData("""{"orderIds":[0]}""", "orderIds[0]")]
    [InlineData("""{"orderIds":[5,-3]}""", "orderIds[1]")]
    [InlineData("""{"orderIds":["5"]}""", null)]
    [InlineData("""{"orders":[5]}""", null)]
    public async Task BulkRetry_BadBodies_Answer400_NamingTheField(string body, string? field)
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var response = body.Length == 0
            ? await client.PostAsync(Url + "/retry", null)
            : await client.PostRawAsync(Url + "/retry", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        if (field is not null) Assert.Contains(field, problem.ErrorFields());
    }

    [Fact]
    public async Task BulkRetry_OfMoreThan200Orders_Answers400()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var problem = await client.PostJsonAsync(Url + "/retry", new { orderIds = Enumerable.Range(1, 201).Select(i => (long)i).ToArray() }, HttpStatusCode.BadRequest);
        Assert.Contains("orderIds", problem.ErrorFields());
    }

    // ---- the chart's numbers ----------------------------------------------------------------------

    [Theory]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.LitwareAdmin)]
    [InlineData(Demo.DistributorReadOnly)]
    public async Task Activity_CountsTheLast30DaysOrdersPerDayByOutcome_AndEachVendorsFailureRate(string email)
    {
        var activity = await (await app.ClientAsync(email)).GetJsonAsync(Url + "/activity");
        var days = activity.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(30, days.Count);
        var today = DateOnly.FromDateTime(Now);
        Assert.Equal(today, DateOnly.Parse(days[^1].GetProperty("day").GetString()!));
        Assert.Equal(today.AddDays(-29), DateOnly.Parse(activity.GetProperty("from").GetString()!));

        // The same figures worked out here, from the rows, for the customers the user may act for.
        var customers = email == Demo.SellerAdmin ? ContosoCustomers : email == Demo.LitwareAdmin ? LitwareCustomers : [.. ContosoCustomers, .. LitwareCustomers];
        var since = today.AddDays(-29).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var orders = await app.WithDbAsync(db => db.Orders.AsNoTracking().Include(o => o.Items)
            .Where(o => customers.Contains(o.CustomerId) && o.PlacedAt != null && o.Date >= since).ToListAsync());
        Assert.NotEmpty(orders);
        foreach (var day in days)
        {
            var of = orders.Where(o => DateOnly.FromDateTime(o.Date) == DateOnly.Parse(day.GetProperty("day").GetString()!)).ToList();
            Assert.Equal(of.Count(o => o.Status == OrderStatus.Completed), day.GetProperty("completed").GetInt32());
            Assert.Equal(of.Count(o => o.Status == OrderStatus.CompletedWithErrors), day.GetProperty("completedWithErrors").GetInt32());
            Assert.Equal(of.Count(o => o.Status is OrderStatus.Failed or OrderStatus.ProvisioningFailed), day.GetProperty("failed").GetInt32());
            Assert.Equal(of.Count(o => OrderLifecycle.IsInFlight(o.Status)), day.GetProperty("inProgress").GetInt32());
            Assert.Equal(of.Count, day.GetProperty("completed").GetInt32() + day.GetProperty("completedWithErrors").GetInt32()
                + day.GetProperty("failed").GetInt32() + day.GetProperty("inProgress").GetInt32() + day.GetProperty("other").GetInt32());
        }
        var answered = orders.SelectMany(o => o.Items).Where(i => i.Kind != OrderItemKind.ChangeMarkup
            && i.ProvisioningStatus is ItemProvisioningStatus.ProvisioningFinished or ItemProvisioningStatus.ProvisioningFailed).ToList();
        var vendors = activity.GetProperty("vendors").EnumerateArray().ToDictionary(v => v.GetProperty("vendor").GetString()!);
        Assert.Equal(answered.Select(i => i.VendorName).ToHashSet(), vendors.Keys.ToHashSet());
        foreach (var group in answered.GroupBy(i => i.VendorName))
        {
            var rejected = group.Count(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed);
            Assert.Equal(group.Count(), vendors[group.Key].GetProperty("answered").GetInt32());
            Assert.Equal(rejected, vendors[group.Key].GetProperty("rejected").GetInt32());
            Assert.Equal((double)rejected / group.Count(), vendors[group.Key].GetProperty("failureRate").GetDouble(), 4);
        }
    }

    /// <summary>
    /// The chart's counts read a seller's 30 days as ranges of two partial indexes — the placed orders by day
    /// (<see cref="ActivityQueries.PlacedOrdersIndex"/>) and the items that go to a vendor (<see cref="ActivityQueries.VendorItemsIndex"/>) —
    /// instead of every order and every item of the platform (performance.md point 28). Both planners use a partial index only
    /// for a query that states its filter, so each query's SQL must hold that filter as its index writes it.
    /// </summary>
    [Fact]
    public async Task Activity_Counts_StateTheFiltersOfTheirPartialIndexes()
    {
        var actor = await app.ActorAsync(Demo.SellerAdmin);
        var since = Now.AddDays(-29);
        var (perDay, vendors) = await app.WithDbAsync(db => Task.FromResult((
            ActivityQueries.PlacedPerDayQuery(db, actor, since).ToQueryString(), ActivityQueries.VendorAnswersQuery(db, actor, since).ToQueryString())));
        // Without the table's alias (o."Kind" or "o"."Kind" → "Kind"): an index's filter names the columns alone.
        static string Unaliased(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"(""\w+""|\b\w+)\.(?="")", "");
        Assert.Contains(ActivityQueries.PlacedSql, Unaliased(perDay));
        Assert.Contains(ActivityQueries.VendorItemSql, Unaliased(vendors));
    }

    // ---- the customer list (Select organization) ------------------------------------------------

    [Theory]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.DistributorAdmin)]
    public async Task CustomerList_CountsOpenAndFailedOrdersSubscriptionsAndNextRenewal_PerCustomer(string email)
    {
        var actor = await app.ActorAsync(email);
        var page = await app.WithDbAsync(db => CloudMarket.Features.Workspace.CustomerOverview.PageAsync(db, actor, new(), CancellationToken.None));
        var expectedCustomers = email == Demo.SellerAdmin ? ContosoCustomers : [.. ContosoCustomers, .. LitwareCustomers];
        Assert.Equal(expectedCustomers.ToHashSet(), page.Rows.Select(r => r.Id).ToHashSet());
        Assert.Equal(page.Rows.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => r.Id), page.Rows.Select(r => r.Id));

        var (orders, subscriptions) = await app.WithDbAsync(async db => (
            await db.Orders.AsNoTracking().Where(o => expectedCustomers.Contains(o.CustomerId)).Select(o => new { o.CustomerId, o.Status }).ToListAsync(),
            await db.Subscriptions.AsNoTracking().Where(s => expectedCustomers.Contains(s.CustomerId)).ToListAsync()));
        foreach (var row in page.Rows)
        {
            Assert.Equal(orders.Count(o => o.CustomerId == row.Id && OrderLifecycle.IsInFlight(o.Status)), row.OpenOrders);
            Assert.Equal(orders.Count(o => o.CustomerId == row.Id && o.Status == OrderStatus.ProvisioningFailed), row.FailedOrders);
            var own = subscriptions.Where(s => s.CustomerId == row.Id).ToList();
            Assert.Equal(own.Count, row.Subscriptions);
            var renewing = own.Where(s => s.Status == SubscriptionStatus.Active && s.AutoRenew).ToList();
            if (renewing.Count == 0) Assert.Null(row.NextRenewal);
            else Assert.Equal(renewing.Min(s => s.RenewalDate), row.NextRenewal!.Value, TimeSpan.FromMilliseconds(1));
        }
        var fabrikam = page.Rows.Single(r => r.Id == Demo.Fabrikam);
        Assert.Equal("Contoso Cloud", fabrikam.SellerName);
        Assert.True(fabrikam.FailedOrders >= 1 && fabrikam.OpenOrders >= 3);
    }

    [Fact]
    public async Task CustomerList_SearchesByName_FiltersBySeller_AndPages()
    {
        var distributor = await app.ActorAsync(Demo.DistributorAdmin);
        var litware = await app.WithDbAsync(db => CloudMarket.Features.Workspace.CustomerOverview.PageAsync(db, distributor, new(SellerId: Demo.Litware), CancellationToken.None));
        Assert.Equal(LitwareCustomers.ToHashSet(), litware.Rows.Select(r => r.Id).ToHashSet());
        Assert.All(litware.Rows, r => Assert.Equal("Litware Solutions", r.SellerName));

        var search = await app.WithDbAsync(db => CloudMarket.Features.Workspace.CustomerOverview.PageAsync(db, distributor, new(Search: "TOYS"), CancellationToken.None));
        Assert.Equal(["Tailspin Toys", "Wingtip Toys"], search.Rows.Select(r => r.Name));

        // A seller filtering by another seller sees nothing of it.
        var seller = await app.ActorAsync(Demo.SellerAdmin);
        var foreign = await app.WithDbAsync(db => CloudMarket.Features.Workspace.CustomerOverview.PageAsync(db, seller, new(SellerId: Demo.Litware), CancellationToken.None));
        Assert.Empty(foreign.Rows);

        // Paged by name: a page past the end shows the last one.
        var last = await app.WithDbAsync(db => CloudMarket.Features.Workspace.CustomerOverview.PageAsync(db, distributor, new(Page: 99), CancellationToken.None));
        Assert.Equal(1, last.PageCount);
        Assert.Equal(6, last.Total);
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, CloudMarketFactory.Json), System.Text.Encoding.UTF8, "application/json");
}

public sealed class AttentionApiTestsOnSqlite(AttentionApiTestsOnSqlite.Factory app) : AttentionApiTests(app), IClassFixture<AttentionApiTestsOnSqlite.Factory>
{
    /// <summary>Tokens outlive the clock moved forward by the stuck test (a token expires by the app's clock).</summary>
    public sealed class Factory : SqliteFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Security:AccessTokenMinutes"] = "1440" };
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            WithoutTheAppsFolder(builder);
        }
    }
}

public sealed class AttentionApiTestsOnPostgres(AttentionApiTestsOnPostgres.Factory app) : AttentionApiTests(app), IClassFixture<AttentionApiTestsOnPostgres.Factory>
{
    [Fact]
    public Task ManyConcurrentTransitionsOfOneCustomer_FinishWithoutErrors_AndLeaveExactTallies() =>
        ConcurrentTransitionsOfOneCustomer_FinishWithoutErrors_AndLeaveExactTallies();

    public sealed class Factory : PostgresFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Security:AccessTokenMinutes"] = "1440" };
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            WithoutTheAppsFolder(builder);
        }
    }
}

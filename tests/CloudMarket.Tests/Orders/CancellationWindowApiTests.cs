using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Microsoft takes licences back only within 7 days of the purchase or a renewal (the offer's
/// cancellation window): the platform refuses a later decrease itself, before placing, naming the
/// deadline, instead of letting the vendor reject it after the order was placed; and it says until
/// when a subscription can still be decreased (cancellableUntil).
/// </summary>
public abstract class CancellationWindowApiTests(CloudMarketFactory app)
{
    // Bought with a demo order 60 days ago: its window is closed. Wingtip's was renewed 2 days ago: open.
    private static readonly Guid Closed = DemoData.SubscriptionIds.FabrikamE3;
    private static readonly Guid Open = DemoData.SubscriptionIds.WingtipBasic;
    private static readonly Guid NoWindow = DemoData.SubscriptionIds.FabrikamBitdefender;
    private static readonly Guid Wingtip = DemoData.Wingtip;

    private Task<Subscription> SubscriptionAsync(Guid id) =>
        app.WithDbAsync(db => db.Subscriptions.AsNoTracking().SingleAsync(s => s.Id == id));

    /// <summary>The deadline as the refusal writes it, from the subscription's own dates.</summary>
    private async Task<string> RefusalAsync(Guid id)
    {
        var s = await SubscriptionAsync(id);
        var deadline = s.CurrentTermStart.AddHours(DemoData.MicrosoftCancellationWindowHours);
        return $"Licences can be decreased only until {deadline:yyyy-MM-dd HH:mm} UTC, 7 days after the purchase or the last renewal.";
    }

    private Task<int> OrderCountAsync() => app.WithDbAsync(db => db.Orders.CountAsync());

    private static void AssertRefused(JsonElement problem, string field, string refusal) =>
        Assert.Equal([refusal], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));

    [Fact]
    public async Task ADecreaseAfterTheWindowClosed_IsRefusedWithTheDeadline_WhenCreatedAddedOrChanged_AndNothingIsStored()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var refusal = await RefusalAsync(Closed);
        var orders = await OrderCountAsync();

        var created = await (await ida.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { NewAcronis(2), Decrease(Closed, 9) } }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        AssertRefused(created, "items[1].quantity", refusal);
        Assert.Equal(orders, await OrderCountAsync());

        var cart = await ida.CreateCartAsync(Increase(Closed, 12));
        var before = await app.SnapshotAsync(cart.Id());
        var added = await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{cart.Id()}/items", Decrease(Closed, 9))).ProblemAsync(HttpStatusCode.BadRequest);
        AssertRefused(added, "quantity", refusal);
        var changed = await (await ida.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{cart.Id()}/items/{cart.ItemId(0)}", Decrease(Closed, 9)))
            .ProblemAsync(HttpStatusCode.BadRequest);
        AssertRefused(changed, "quantity", refusal);
        Assert.Equal(before, await app.SnapshotAsync(cart.Id()));

        // An increase of the same subscription is not bound by the window.
        Assert.Equal(HttpStatusCode.Accepted, (await ida.PlaceAsync(cart.Id(), Guid.NewGuid().ToString())).StatusCode);
    }

    [Fact]
    public async Task ADecreaseInsideTheWindow_IsAccepted_AndPlaced()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Wingtip);
        var quantity = (await SubscriptionAsync(Open)).Quantity;

        var cart = await anna.CreateCartAsync(Decrease(Open, quantity - 5));
        var placed = await (await anna.PlaceAsync(cart.Id(), Guid.NewGuid().ToString())).JsonAsync(HttpStatusCode.Accepted);

        Assert.Equal("inProgress", placed.Status());
        Assert.Equal($"Decrease licences: Microsoft 365 Business Basic, {quantity} → {quantity - 5}", placed.Items()[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task ACartWhoseDecreaseOutlivedTheWindow_IsRefusedAtPlacing_AndLeftUnchanged()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Wingtip);
        var quantity = (await SubscriptionAsync(Open)).Quantity;
        var cart = await anna.CreateCartIdAsync(Decrease(Open, quantity - 1));
        // A week later (here: the subscription's term moved a week back), the window has closed.
        var asBought = await SubscriptionAsync(Open);
        await MoveTermAsync(asBought.StartDate.AddDays(-7), asBought.RenewalDate.AddDays(-7));
        try
        {
            var before = await app.SnapshotAsync(cart);
            var problem = await (await anna.PlaceAsync(cart, Guid.NewGuid().ToString())).ProblemAsync(HttpStatusCode.BadRequest);

            AssertRefused(problem, "items[0].quantity", await RefusalAsync(Open));
            Assert.Equal(before, await app.SnapshotAsync(cart));
            Assert.Equal(0, before.Jobs);
        }
        finally
        {
            await MoveTermAsync(asBought.StartDate, asBought.RenewalDate);
        }
    }

    private Task<int> MoveTermAsync(DateTime start, DateTime renewal) => app.WithDbAsync(db => db.Subscriptions.Where(s => s.Id == Open)
        .ExecuteUpdateAsync(u => u.SetProperty(s => s.StartDate, start).SetProperty(s => s.RenewalDate, renewal)));

    [Fact]
    public async Task ASubscription_SaysUntilWhenItCanBeDecreased_NullWhenNoWindowIsOpen()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Wingtip);
        var open = await SubscriptionAsync(Open);
        var detail = await anna.GetJsonAsync($"/api/v1/subscriptions/{Open}");
        Assert.Equal(open.CurrentTermStart.AddHours(168), detail.GetProperty("cancellableUntil").GetDateTime());
        Assert.True(detail.GetProperty("cancellableUntil").GetDateTime() > DateTime.UtcNow);
        var listed = (await anna.GetJsonAsync("/api/v1/subscriptions")).GetProperty("items").EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == Open);
        Assert.Equal(detail.GetProperty("cancellableUntil").GetDateTime(), listed.GetProperty("cancellableUntil").GetDateTime());

        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        Assert.Equal(JsonValueKind.Null, (await ida.GetJsonAsync($"/api/v1/subscriptions/{Closed}")).GetProperty("cancellableUntil").ValueKind);
        // Bitdefender takes licences back at any time: no window to count down.
        Assert.Equal(JsonValueKind.Null, (await ida.GetJsonAsync($"/api/v1/subscriptions/{NoWindow}")).GetProperty("cancellableUntil").ValueKind);
        Assert.Equal(HttpStatusCode.Created, (await ida.SendAsync(HttpMethod.Post, OrdersUrl, new { items = new[] { Decrease(NoWindow, 30) } })).StatusCode);
    }

    [Fact]
    public void ThePolicy_OpensAtTheTermsStart_ForTheOffersHours()
    {
        var start = new DateTime(2026, 11, 21, 14, 20, 0, DateTimeKind.Utc);
        Assert.Equal(start.AddHours(168), CancellationPolicy.CancellableUntil(168, start, start.AddDays(6)));
        Assert.Null(CancellationPolicy.CancellableUntil(168, start, start.AddHours(168)));
        Assert.Null(CancellationPolicy.CancellableUntil(null, start, start));
        Assert.Null(CancellationPolicy.DecreaseRefusal(168, start, start.AddHours(167)));
        Assert.Null(CancellationPolicy.DecreaseRefusal(null, start, start.AddYears(1)));
        Assert.Equal("Licences can be decreased only until 2026-11-28 14:20 UTC, 7 days after the purchase or the last renewal.",
            CancellationPolicy.DecreaseRefusal(168, start, start.AddDays(8)));
        Assert.Equal("Licences can be decreased only until 2026-11-23 02:20 UTC, 36 hours after the purchase or the last renewal.",
            CancellationPolicy.DecreaseRefusal(36, start, start.AddDays(8)));
        Assert.Equal("A subscription can be cancelled only until 2026-11-28 14:20 UTC, 7 days after the purchase or the last renewal.",
            CancellationPolicy.CancelRefusal(168, start, start.AddDays(8)));
        Assert.Null(CancellationPolicy.CancelRefusal(168, start, start.AddDays(6)));
    }

    [Fact]
    public void AnIncreasesWindow_LetsOnlyItsLicencesGo_TheEarliestOpenFloorCounts_AndCancelNeedsTheTermsWindow()
    {
        var start = new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc);
        // 10 bought; +5 on the 20th (10 → 15), down to 12 in its window, +3 on the 22nd (12 → 15).
        IncreaseWindow[] increases = [new(start.AddDays(19), 10), new(start.AddDays(21), 12)];
        var day23 = start.AddDays(22);
        Assert.Equal(new DecreaseAllowance(10, start.AddDays(26)), CancellationPolicy.Allowance(168, start, increases, day23));
        Assert.Null(CancellationPolicy.DecreaseRefusal(168, start, increases, 15, 10, day23));
        Assert.Contains("decrease to 10 at the lowest", CancellationPolicy.DecreaseRefusal(168, start, increases, 15, 9, day23));
        Assert.NotNull(CancellationPolicy.CancelRefusal(168, start, day23));
        // The first increase's window closed on the 27th: only the second's 3 licences remain.
        var day28 = start.AddDays(27);
        Assert.Equal(new DecreaseAllowance(12, start.AddDays(28)), CancellationPolicy.Allowance(168, start, increases, day28));
        Assert.Equal(start.AddDays(28), CancellationPolicy.CancellableUntil(168, start, increases, day28));
        // Both closed: none; vendors without a window take any quantity back at any time.
        Assert.Null(CancellationPolicy.Allowance(168, start, increases, start.AddDays(29)));
        Assert.Equal(new DecreaseAllowance(0, null), CancellationPolicy.Allowance(null, start, increases, start.AddDays(29)));
        Assert.Equal([increases[1]], CancellationPolicy.StillOpen(168, increases, day28));
    }
}

public sealed class CancellationWindowApiTestsOnSqlite(SqliteFactory app) : CancellationWindowApiTests(app), IClassFixture<SqliteFactory>;
public sealed class CancellationWindowApiTestsOnPostgres(PostgresFactory app) : CancellationWindowApiTests(app), IClassFixture<PostgresFactory>;

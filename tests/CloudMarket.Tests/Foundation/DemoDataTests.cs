using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMarket.Tests.Foundation;

/// <summary>A clock that always says the same moment: the demo is seeded "today" as this clock tells it.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// The demo data tells one consistent story, dated relative to the injected clock (here a day years
/// away from the real one): renewals ahead, subscriptions starting when the orders that bought them
/// were applied, each subscription's markup, quantity and auto-renewal what its last applied order
/// made them, carts priced as they would be today, each Microsoft tenant one customer's, and
/// cancellation windows both open and closed.
/// </summary>
public abstract class DemoDataTests(CloudMarketFactory app)
{
    public static readonly DateTime Today = new(2030, 7, 15, 9, 30, 0, DateTimeKind.Utc);

    private sealed record Seeded(List<Subscription> Subscriptions, List<Order> Orders, List<CustomerTenant> Tenants,
        Dictionary<Guid, Features.Organizations.Organization> Organizations, Dictionary<string, Offer> Offers);

    private Task<Seeded> SeededAsync() => app.WithDbAsync(async db => new Seeded(
        await db.Subscriptions.AsNoTracking().Include(s => s.Offer).ThenInclude(o => o.Vendor).ToListAsync(),
        await db.Orders.AsNoTracking().Include(o => o.Items).Include(o => o.Events).AsSplitQuery().ToListAsync(),
        await db.CustomerTenants.AsNoTracking().ToListAsync(),
        await db.Organizations.AsNoTracking().ToDictionaryAsync(o => o.Id),
        await db.Offers.AsNoTracking().Include(o => o.Vendor).ToDictionaryAsync(o => o.Id)));

    private static readonly OrderStatus[] Applied = [OrderStatus.Completed, OrderStatus.CompletedWithErrors];

    /// <summary>The items that changed the subscription, oldest first: completed (or closed) orders, provisioned items.</summary>
    private static List<(Order Order, OrderItem Item)> AppliedTo(Seeded data, Guid subscriptionId, params OrderItemKind[] kinds) =>
        data.Orders.Where(o => Applied.Contains(o.Status)).SelectMany(o => o.Items.Select(i => (Order: o, Item: i)))
            .Where(x => x.Item.SubscriptionId == subscriptionId && kinds.Contains(x.Item.Kind)
                        && x.Item.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished)
            .OrderBy(x => x.Order.PlacedAt).ToList();

    [Fact]
    public async Task EveryDate_IsRelativeToTheClock_AndEveryRenewalIsAhead()
    {
        var data = await SeededAsync();
        Assert.All(data.Subscriptions, s =>
        {
            Assert.True(s.StartDate <= Today && s.RenewalDate > Today, $"{s.Offer.Name} of {s.CustomerId}: {s.StartDate:O} → {s.RenewalDate:O}");
            Assert.True(s.StartDate > Today.AddYears(-3), $"{s.Offer.Name} started {s.StartDate:O}, long before {Today:O}");
            Assert.Equal(s.RenewalDate, s.CurrentTermStart.AddMonths(s.TermMonths));
        });
        Assert.All(data.Orders, o =>
        {
            Assert.InRange(o.CreatedAt, Today.AddDays(-90), Today);
            Assert.All(o.Events, e => Assert.InRange(e.At, o.CreatedAt, Today));
        });
    }

    [Fact]
    public async Task EverySubscription_IsWhatItsAppliedOrdersMadeIt()
    {
        var data = await SeededAsync();
        foreach (var s in data.Subscriptions)
        {
            var bought = AppliedTo(data, s.Id, OrderItemKind.NewSubscription).SingleOrDefault();
            if (bought.Item is not null)
                Assert.InRange(s.StartDate, bought.Order.PlacedAt!.Value, bought.Order.UpdatedAt);

            var markups = AppliedTo(data, s.Id, OrderItemKind.ChangeMarkup);
            var markup = bought.Item?.SellerMarkupPercent ?? markups.FirstOrDefault().Item?.PreviousMarkupPercent ?? s.MarkupPercent;
            foreach (var (_, change) in markups)
            {
                Assert.Equal(markup, change.PreviousMarkupPercent);
                markup = change.MarkupPercent!.Value;
            }
            Assert.True(markup == s.MarkupPercent, $"{s.Offer.Name} of {s.CustomerId}: markup {s.MarkupPercent} but its history ends at {markup}");

            var quantities = AppliedTo(data, s.Id, OrderItemKind.IncreaseQuantity, OrderItemKind.DecreaseQuantity);
            var quantity = bought.Item?.Quantity ?? quantities.FirstOrDefault().Item?.PreviousQuantity ?? s.Quantity;
            foreach (var (_, change) in quantities)
            {
                Assert.Equal(quantity, change.PreviousQuantity);
                quantity = change.Quantity;
            }
            Assert.Equal(quantity, s.Quantity);

            if (AppliedTo(data, s.Id, OrderItemKind.ChangeAutoRenew).LastOrDefault().Item is { } renewal)
                Assert.Equal(renewal.AutoRenew, s.AutoRenew);
        }
    }

    [Fact]
    public async Task CartsAndDrafts_ArePricedAsTheyWouldBeToday()
    {
        var data = await SeededAsync();
        var subscriptions = data.Subscriptions.ToDictionary(s => s.Id);
        var items = data.Orders.Where(o => OrderLifecycle.IsEditable(o.Status)).SelectMany(o => o.Items.Select(i => (Order: o, Item: i))).ToList();
        Assert.NotEmpty(items);
        foreach (var (order, item) in items)
        {
            var seller = data.Organizations[data.Organizations[order.CustomerId].ParentId!.Value];
            Assert.Equal(data.Offers[item.OfferId].MonthlyVendorCost, item.MonthlyVendorCost);
            Assert.Equal(seller.DistributorMarkupPercent, item.DistributorMarkupPercent);
            if (item.SubscriptionId is not { } id)
            {
                Assert.Equal(seller.DefaultSellerMarkupPercent, item.SellerMarkupPercent);
                continue;
            }
            var s = subscriptions[id];
            if (item.Kind == OrderItemKind.ChangeMarkup)
                Assert.Equal(s.MarkupPercent, item.PreviousMarkupPercent);
            else
                Assert.True(s.MarkupPercent == item.SellerMarkupPercent, $"{item.Description} (order {order.Name}) is priced at {item.SellerMarkupPercent} %, the subscription at {s.MarkupPercent} %");
            if (item.Kind is OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity)
                Assert.Equal(s.Quantity, item.PreviousQuantity);
        }
    }

    [Fact]
    public async Task EachMicrosoftTenant_BelongsToTheOneCustomerWhoseSubscriptionsLiveInIt()
    {
        var data = await SeededAsync();
        var tenants = data.Tenants.ToDictionary(t => t.Name);
        var microsoft = data.Subscriptions.Where(s => s.Offer.Vendor.RequiresTenant).ToList();
        Assert.NotEmpty(microsoft);
        Assert.All(microsoft, s =>
        {
            Assert.NotNull(s.TenantName);
            Assert.Equal(s.CustomerId, tenants[CustomerTenant.Normalize(s.TenantName)].CustomerId);
        });
        Assert.All(data.Subscriptions.Where(s => s.TenantName is not null).GroupBy(s => CustomerTenant.Normalize(s.TenantName!)),
            g => Assert.Single(g.Select(s => s.CustomerId).Distinct()));
        Assert.All(data.Tenants, t => Assert.Contains(microsoft, s => CustomerTenant.Normalize(s.TenantName!) == t.Name && s.CustomerId == t.CustomerId));
    }

    [Fact]
    public async Task SomeMicrosoftSubscriptions_AreInsideTheirCancellationWindow_AndOthersOutside()
    {
        var data = await SeededAsync();
        var windows = data.Subscriptions.Where(s => s.Offer.CancellationWindowHours is not null)
            .Select(s => (s.Id, Until: s.CancellableUntil(s.Offer, Today))).ToList();
        Assert.Contains(windows, w => w.Id == DemoData.SubscriptionIds.WingtipBasic && w.Until > Today);
        Assert.Contains(windows, w => w.Id == DemoData.SubscriptionIds.FabrikamE3 && w.Until is null);
        Assert.All(data.Subscriptions.Where(s => s.Offer.Vendor.Api != VendorApi.Microsoft), s => Assert.Null(s.Offer.CancellationWindowHours));
    }
}

/// <summary>The app on its own database with the demo seeded under a fixed clock.</summary>
public static class FixedClockSetup
{
    public static void UseFixedClock(this IWebHostBuilder builder, DateTime now) =>
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new FixedClock(new DateTimeOffset(now))));
}

public sealed class DemoSqliteFactory : SqliteFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseFixedClock(DemoDataTests.Today);
    }
}

public sealed class DemoPostgresFactory : PostgresFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseFixedClock(DemoDataTests.Today);
    }
}

public sealed class DemoDataTestsOnSqlite(DemoSqliteFactory app) : DemoDataTests(app), IClassFixture<DemoSqliteFactory>;
public sealed class DemoDataTestsOnPostgres(DemoPostgresFactory app) : DemoDataTests(app), IClassFixture<DemoPostgresFactory>;

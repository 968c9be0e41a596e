using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Each item's copy of its order's customer and list date (<see cref="OrderItemListKeys"/>), by which the search reads a
/// frequent term's items newest first: a stale copy would list an order out of its place or miss it (a placed order read at
/// its cart's date), and another customer's would show an order to the wrong customer's search. So every write that sets
/// them — an item added, an order placed (which dates it), a database upgraded with items in it — must leave every item with
/// exactly its order's customer and date.
/// </summary>
public abstract class OrderItemListKeysTests(CloudMarketFactory app)
{
    private static async Task<List<(long Order, Guid Customer, DateTime Date)>> ItemsAsync(AppDbContext db) =>
        (await db.OrderItems.AsNoTracking()
            .Select(i => new { i.OrderId, Customer = EF.Property<Guid>(i, OrderItemListKeys.CustomerId), Date = EF.Property<DateTime>(i, OrderItemListKeys.OrderDate) })
            .ToListAsync()).Select(i => (i.OrderId, i.Customer, i.Date)).ToList();

    /// <summary>Every item with a copy that differs from its order's customer and date (none, when the triggers did their work).</summary>
    private static async Task<List<long>> StaleAsync(AppDbContext db)
    {
        var orders = await db.Orders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => (o.CustomerId, o.Date));
        return (await ItemsAsync(db)).Where(i => orders[i.Order] != (i.Customer, i.Date)).Select(i => i.Order).ToList();
    }

    [Fact]
    public async Task AnItemCarriesItsOrdersCustomerAndDate_FromItsCartToItsPlacing()
    {
        await app.WithDbAsync(async db =>
        {
            var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.AcronisProtect);
            var tailspin = await db.Organizations.SingleAsync(o => o.Id == DemoData.Tailspin);
            var actor = await SellerAdminActorAsync(db);
            var created = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);
            var order = Order.CreateCart(tailspin, actor, OrganizationType.Seller, "Keys", created);
            order.AddItem(NewSubscriptionSpec(offer), actor, created);
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            Assert.Equal([(order.Id, DemoData.Tailspin, created)], (await ItemsAsync(db)).Where(i => i.Order == order.Id));

            // A second item added later, through the app's own save of the order.
            order.AddItem(NewSubscriptionSpec(offer), actor, created.AddHours(1));
            await db.SaveChangesAsync();
            // Placing dates the order anew: its items follow in the same save.
            var placed = created.AddDays(2);
            order.Place(actor, placed);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            Assert.Equal([(order.Id, DemoData.Tailspin, placed), (order.Id, DemoData.Tailspin, placed)],
                (await ItemsAsync(db)).Where(i => i.Order == order.Id));
            // A bulk write of the date (not through EF's tracking) too.
            await db.Orders.Where(o => o.Id == order.Id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Date, placed.AddMinutes(5)));
            Assert.All((await ItemsAsync(db)).Where(i => i.Order == order.Id), i => Assert.Equal(placed.AddMinutes(5), i.Date));
            return 0;
        });
        Assert.Empty(await app.WithDbAsync(StaleAsync));
    }

    [Fact]
    public async Task UpgradingADatabaseWithItems_CopiesEveryOrdersCustomerAndDate()
    {
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s.GetType().Assembly == typeof(AppDbContext).Assembly);
        var (stale, items) = await app.WithDbAsync(async db =>
        {
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            await migrator.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_OrderItemListKeys", StringComparison.Ordinal)) - 1]);
            await migrator.MigrateAsync();
            return (await StaleAsync(db), (await ItemsAsync(db)).Count);
        });
        Assert.True(items > 10, $"only {items} items to upgrade");
        Assert.Empty(stale);
    }

    /// <summary>
    /// The app without its background loops (the tally fold every 5 s, the dispatcher, the renewals): an operator's upgrade
    /// migrates before they start, and here a loop's transaction over two tables could deadlock with the migrations' table
    /// locks, as it did in a fresh-clone run. Removed from the host rather than stopped and started again around the upgrade,
    /// which left a loop's disposed scope behind.
    /// </summary>
    protected static void WithoutBackgroundLoops(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
        {
            var app = typeof(AppDbContext).Assembly;
            foreach (var loop in services.Where(d => d.ServiceType == typeof(IHostedService)
                         && (d.ImplementationType ?? d.ImplementationFactory?.Method.DeclaringType)?.Assembly == app).ToList())
                services.Remove(loop);
        });
}

public sealed class OrderItemListKeysTestsOnSqlite(OrderItemListKeysTestsOnSqlite.Factory app) : OrderItemListKeysTests(app), IClassFixture<OrderItemListKeysTestsOnSqlite.Factory>
{
    public sealed class Factory : SqliteFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            WithoutBackgroundLoops(builder);
        }
    }
}

public sealed class OrderItemListKeysTestsOnPostgres(OrderItemListKeysTestsOnPostgres.Factory app) : OrderItemListKeysTests(app), IClassFixture<OrderItemListKeysTestsOnPostgres.Factory>
{
    public sealed class Factory : PostgresFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            WithoutBackgroundLoops(builder);
        }
    }
}

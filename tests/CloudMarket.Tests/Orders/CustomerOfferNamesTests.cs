using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The offer names of each customer's items (<see cref="CustomerOfferNames"/>), which the search trusts to say that a term is
/// on no item of a customer: a name missing from the table would make a search miss orders. So every way an item's name comes
/// to be — an item added, an item renamed by a bulk update, a database upgraded with items already in it — must record it.
/// </summary>
public abstract class CustomerOfferNamesTests(CloudMarketFactory app)
{
    /// <summary>What the table must hold at least: every customer's every item's offer name.</summary>
    private static async Task<List<(Guid, string)>> NamesOfItemsAsync(AppDbContext db) =>
        (await db.OrderItems.Join(db.Orders, i => i.OrderId, o => o.Id, (i, o) => new { o.CustomerId, i.OfferName }).Distinct().ToListAsync())
        .Select(n => (n.CustomerId, n.OfferName)).Order().ToList();

    private static async Task<List<(Guid, string)>> RecordedAsync(AppDbContext db) =>
        (await db.Set<CustomerOfferName>().ToListAsync()).Select(n => (n.CustomerId, n.OfferName)).Order().ToList();

    [Fact]
    public async Task EveryItemsName_IsRecordedForItsCustomer_WhenAddedAndWhenRenamed()
    {
        var (added, renamed) = await app.WithDbAsync(async db =>
        {
            var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.AcronisProtect);
            var tailspin = await db.Organizations.SingleAsync(o => o.Id == DemoData.Tailspin);
            var actor = await OrderKit.SellerAdminActorAsync(db);
            var at = DateTime.UtcNow;
            var order = Order.CreateCart(tailspin, actor, OrganizationType.Seller, "Names", at);
            order.AddItem(NewSubscriptionSpec(offer), actor, at);
            db.Orders.Add(order);
            await db.SaveChangesAsync();
            await db.OrderItems.Where(i => i.OrderId == order.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.OfferName, "Renamed Platypus Mail"));
            return (offer.Name, "Renamed Platypus Mail");
        });

        var recorded = await app.WithDbAsync(RecordedAsync);
        Assert.Contains((DemoData.Tailspin, added), recorded);
        Assert.Contains((DemoData.Tailspin, renamed), recorded);
        Assert.DoesNotContain((DemoData.Fabrikam, renamed), recorded);
        Assert.Empty((await app.WithDbAsync(NamesOfItemsAsync)).Except(recorded));
    }

    [Fact]
    public async Task UpgradingADatabaseWithOrders_FillsTheTableFromItsItems()
    {
        var (before, after, items) = await app.WithDbAsync(async db =>
        {
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            var previous = migrations[migrations.FindIndex(m => m.EndsWith("_CustomerOfferNames", StringComparison.Ordinal)) - 1];
            await migrator.MigrateAsync(previous);
            var tables = await TableCountAsync(db);
            await migrator.MigrateAsync();
            return (tables, await RecordedAsync(db), await NamesOfItemsAsync(db));
        });
        Assert.Equal(0, before);
        Assert.NotEmpty(items);
        Assert.Equal(items, after);
    }

    private static async Task<int> TableCountAsync(AppDbContext db)
    {
        var sql = db.Database.IsNpgsql()
            ? """SELECT count(*)::int AS "Value" FROM information_schema.tables WHERE table_name = 'CustomerOfferNames'"""
            : """SELECT count(*) AS "Value" FROM sqlite_master WHERE type = 'table' AND name = 'CustomerOfferNames'""";
        return await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
    }
}

public sealed class CustomerOfferNamesTestsOnSqlite(SqliteFactory app) : CustomerOfferNamesTests(app), IClassFixture<SqliteFactory>;
public sealed class CustomerOfferNamesTestsOnPostgres(PostgresFactory app) : CustomerOfferNamesTests(app), IClassFixture<PostgresFactory>;

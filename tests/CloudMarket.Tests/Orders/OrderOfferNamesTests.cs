using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The offer names on the order's row (<see cref="OrderOfferNames"/>), which the search's walk checks instead of the items: a
/// stale column would make a search miss an order or find one by a name it no longer has, and a markup change's name in the
/// visible column would show a customer-level user a hidden item. So every way an item changes — added, renamed, turned into
/// a markup change, deleted, a database upgraded with items in it — must leave the columns exactly what the items say.
/// </summary>
public abstract class OrderOfferNamesTests(CloudMarketFactory app)
{
    /// <summary>What the columns must hold for every order, worked out from its items here.</summary>
    private static async Task<Dictionary<long, (string Visible, string Markup)>> FromItemsAsync(AppDbContext db)
    {
        var items = await db.OrderItems.AsNoTracking().Select(i => new { i.OrderId, i.Position, i.Kind, i.OfferName }).ToListAsync();
        string Joined(IEnumerable<string> names) => string.Join(OrderOfferNames.Separator, names);
        return (await db.Orders.AsNoTracking().Select(o => o.Id).ToListAsync()).ToDictionary(id => id, id =>
        {
            var own = items.Where(i => i.OrderId == id).OrderBy(i => i.Position).ToList();
            return (Joined(own.Where(i => i.Kind != OrderItemKind.ChangeMarkup).Select(i => i.OfferName)),
                    Joined(own.Where(i => i.Kind == OrderItemKind.ChangeMarkup).Select(i => i.OfferName)));
        });
    }

    private static async Task<Dictionary<long, (string Visible, string Markup)>> StoredAsync(AppDbContext db) =>
        await db.Orders.AsNoTracking().ToDictionaryAsync(o => o.Id, o => (o.VisibleOfferNames, o.MarkupOfferNames));

    private static async Task<(string Visible, string Markup)> ColumnsAsync(AppDbContext db, long order) =>
        await db.Orders.AsNoTracking().Where(o => o.Id == order).Select(o => new { o.VisibleOfferNames, o.MarkupOfferNames })
            .AsAsyncEnumerable().Select(o => (o.VisibleOfferNames, o.MarkupOfferNames)).SingleAsync();

    /// <summary>An order of Fabrikam's with an item per name, in this order: added through the domain and EF as the app adds them, named by a bulk update.</summary>
    private static async Task<long> AddOrderAsync(AppDbContext db, string name, params string[] offerNames)
    {
        var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.AcronisProtect);
        var fabrikam = await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam);
        var actor = await SellerAdminActorAsync(db);
        var at = DateTime.UtcNow;
        var order = Order.CreateCart(fabrikam, actor, OrganizationType.Seller, name, at);
        foreach (var _ in offerNames)
            order.AddItem(NewSubscriptionSpec(offer), actor, at);
        db.Orders.Add(order);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        foreach (var (position, offerName) in offerNames.Index())
            await db.OrderItems.Where(i => i.OrderId == order.Id && i.Position == position)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.OfferName, offerName));
        return order.Id;
    }

    [Fact]
    public async Task TheColumnsFollowTheItems_ThroughEveryKindOfWrite()
    {
        await app.WithDbAsync(async db =>
        {
            var order = await AddOrderAsync(db, "Columns", "Alpha Mail", "Beta Backup");
            Assert.Equal(("Alpha Mail\nBeta Backup", ""), await ColumnsAsync(db, order));

            // A bulk rename, a kind turned into a markup change (its name moves to the hidden column), an item deleted.
            await db.OrderItems.Where(i => i.OrderId == order && i.Position == 1).ExecuteUpdateAsync(s => s.SetProperty(i => i.OfferName, "Gamma Vault"));
            Assert.Equal(("Alpha Mail\nGamma Vault", ""), await ColumnsAsync(db, order));
            await db.OrderItems.Where(i => i.OrderId == order && i.Position == 0).ExecuteUpdateAsync(s => s.SetProperty(i => i.Kind, OrderItemKind.ChangeMarkup));
            Assert.Equal(("Gamma Vault", "Alpha Mail"), await ColumnsAsync(db, order));
            await db.OrderItems.Where(i => i.OrderId == order && i.Position == 1).ExecuteDeleteAsync();
            Assert.Equal(("", "Alpha Mail"), await ColumnsAsync(db, order));

            // The app's own save of the order (a rename) leaves them alone: EF never writes them.
            var tracked = await db.Orders.SingleAsync(o => o.Id == order);
            tracked.Rename("Columns renamed", await SellerAdminActorAsync(db), DateTime.UtcNow);
            await db.SaveChangesAsync();
            Assert.Equal(("", "Alpha Mail"), await ColumnsAsync(db, order));
            return 0;
        });
        Assert.Equal(await app.WithDbAsync(FromItemsAsync), await app.WithDbAsync(StoredAsync));
    }

    [Fact]
    public async Task UpgradingADatabaseWithOrders_FillsTheColumnsFromTheItems()
    {
        var (before, after, expected) = await app.WithDbAsync(async db =>
        {
            await AddOrderAsync(db, "Upgrade", "Delta Suite", "Epsilon Archive");
            var migrator = db.GetService<IMigrator>();
            var migrations = db.Database.GetMigrations().ToList();
            await migrator.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_OrderOfferNames", StringComparison.Ordinal)) - 1]);
            var columns = await ColumnCountAsync(db);
            await migrator.MigrateAsync();
            return (columns, await StoredAsync(db), await FromItemsAsync(db));
        });
        Assert.Equal(0, before);
        Assert.Contains(expected.Values, v => v.Visible.Contains(OrderOfferNames.Separator));
        Assert.Equal(expected, after);
    }

    /// <summary>
    /// The walk (a term no index looks up: two letters) checks the columns the caller may see: a customer-level user's search
    /// never finds an order by its markup change's name, the seller's does; and a term holding the separator is checked on
    /// the items, so it never matches across two names. (SQLite walks for every such term, its index having the same separator;
    /// PostgreSQL looks it up in the items' own names first and walks only when over a thousand names or notes hold it.)
    /// </summary>
    [Fact]
    public async Task TheWalk_KeepsTheMarkupRule_AndNeverMatchesAcrossTwoNames()
    {
        var (shown, hidden, twoNames) = await app.WithDbAsync(async db =>
        {
            var shown = await AddOrderAsync(db, "Walk shown", "Qx Visible Vault");
            var hidden = await AddOrderAsync(db, "Walk hidden", "Plain Mail", "Qx Hidden Markup");
            await db.OrderItems.Where(i => i.OrderId == hidden && i.Position == 1).ExecuteUpdateAsync(s => s.SetProperty(i => i.Kind, OrderItemKind.ChangeMarkup));
            var twoNames = await AddOrderAsync(db, "Walk two names", "Zeta Alpha", "Beta Zeta");
            return (shown, hidden, twoNames);
        });
        async Task<List<long>> SearchAsync(string email, string q)
        {
            var client = await app.ClientAsync(email, Demo.Fabrikam);
            return (await client.AllPagesAsync($"view=historical&state=all&q={Uri.EscapeDataString(q)}", 25)).Select(r => r.Id()).ToList();
        }
        Assert.Equal([hidden, shown], await SearchAsync(Demo.SellerAdmin, "qx"));
        Assert.Equal([shown], await SearchAsync(Demo.FabrikamAdmin, "qx"));
        Assert.Equal(("Zeta Alpha\nBeta Zeta", ""), await app.WithDbAsync(db => ColumnsAsync(db, twoNames)));
        Assert.Empty(await SearchAsync(Demo.SellerAdmin, "alpha\nbeta"));
        Assert.Empty(await SearchAsync(Demo.FabrikamAdmin, "alpha\nbeta"));
    }

    private static async Task<int> ColumnCountAsync(AppDbContext db)
    {
        var sql = db.Database.IsNpgsql()
            ? """SELECT count(*)::int AS "Value" FROM information_schema.columns WHERE table_name = 'Orders' AND column_name LIKE '%OfferNames'"""
            : """SELECT count(*) AS "Value" FROM pragma_table_info('Orders') WHERE name LIKE '%OfferNames'""";
        return await db.Database.SqlQueryRaw<int>(sql).SingleAsync();
    }
}

public sealed class OrderOfferNamesTestsOnSqlite(SqliteFactory app) : OrderOfferNamesTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderOfferNamesTestsOnPostgres(PostgresFactory app) : OrderOfferNamesTests(app), IClassFixture<PostgresFactory>;

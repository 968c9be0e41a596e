using System.Data.Common;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// A subscription's detail (the page, the API, every subscription webhook's payload) reads its add-ons and its scheduled
/// changes by the subscription, not through all of its customer's subscriptions or scheduled orders (docs/performance.md
/// point 33: 4.3 ms and 1.8 ms for a big customer, each time a subscription event was fanned out); placing a scheduled
/// order looks for another one holding the subscription's schedule the same way.
/// </summary>
public abstract class SubscriptionDetailPlanTests(CloudMarketFactory app)
{
    private const int Copies = 3000;

    protected abstract Task<string> PlanAsync(AppDbContext db, DbCommand command);

    /// <summary>A made-up id numbered <paramref name="n"/> (an SQL expression) under <paramref name="prefix"/>, as the database stores a Guid.</summary>
    protected abstract string IdSql(string prefix, string n);

    [Fact]
    public async Task TheAddons_AreReadByTheirParent_NotThroughTheCustomersSubscriptions()
    {
        var plan = await PlanOfAsync((db, ctx, subscription) => SubscriptionQueries.AddonsOf(db, ctx, subscription));

        Assert.Contains("IX_Subscriptions_ParentSubscriptionId", plan);
    }

    /// <summary>The plan of a statement on a Fabrikam subscription, as the seller asks it, on the data of <see cref="AddDataAsync"/>.</summary>
    protected async Task<string> PlanOfAsync(Func<AppDbContext, CustomerContext, Guid, IQueryable> statement)
    {
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        return await app.WithDbAsync(async db =>
        {
            var subscription = await AddDataAsync(db);
            await using var command = statement(db, ctx, subscription).CreateDbCommand();
            return await PlanAsync(db, command);
        });
    }

    /// <summary>
    /// Fabrikam's copies of one subscription, its scheduled orders, and one order with one item for each of as many other
    /// customers (so that an average customer has about one scheduled order and a subscription a few items, as on a real
    /// platform); the id of a Fabrikam subscription.
    /// </summary>
    private async Task<Guid> AddDataAsync(AppDbContext db)
    {
        var template = await db.Subscriptions.Where(s => s.CustomerId == DemoData.Fabrikam).OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
        if (await db.Orders.AnyAsync(o => o.Id > 2_000_000)) return template;
        await TemplateRows.CopyAsync(db, typeof(Subscription), "Id", $"'{template}'", Copies, column => column switch
        {
            "Id" => IdSql("00000000-0000-0000-0001-", "g.n"),
            _ => null,
        });
        var order = await db.Orders.Where(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly).OrderBy(o => o.Id).Select(o => o.Id).FirstAsync();
        await TemplateRows.CopyAsync(db, typeof(Order), "Id", order.ToString(), Copies, column => column switch
        {
            "Id" => "2000000 + g.n",
            "Status" => $"'{OrderStatus.Scheduled}'",
            "Schedule" => $"'{ScheduleKind.At}'",
            _ => null,
        });
        await TemplateRows.CopyAsync(db, typeof(Order), "Id", order.ToString(), Copies, column => column switch
        {
            "Id" => "3000000 + g.n",
            "CustomerId" => IdSql("00000000-0000-0000-0002-", "g.n"),
            "Status" => $"'{OrderStatus.Completed}'",
            _ => null,
        });
        var item = await db.OrderItems.Where(i => i.OrderId == order).OrderBy(i => i.Position).Select(i => i.Id).FirstAsync();
        await TemplateRows.CopyAsync(db, typeof(OrderItem), "Id", $"'{item}'", Copies, column => column switch
        {
            "Id" => IdSql("00000000-0000-0000-0003-", "g.n"),
            "OrderId" => "3000000 + g.n",
            "SubscriptionId" => IdSql("00000000-0000-0000-0004-", "g.n"),
            _ => null,
        });
        await db.Database.ExecuteSqlRawAsync("ANALYZE");
        return template;
    }
}

public sealed class SubscriptionDetailPlanTestsOnSqlite(SqliteFactory app) : SubscriptionDetailPlanTests(app), IClassFixture<SqliteFactory>
{
    protected override Task<string> PlanAsync(AppDbContext db, DbCommand command) => QueryPlans.SqliteAsync(db, command);

    protected override string IdSql(string prefix, string n) => $"printf('{prefix.ToUpperInvariant()}%012X', {n})";
}

public sealed class SubscriptionDetailPlanTestsOnPostgres(PostgresFactory app) : SubscriptionDetailPlanTests(app), IClassFixture<PostgresFactory>
{
    protected override Task<string> PlanAsync(AppDbContext db, DbCommand command) => QueryPlans.PostgresGenericAsync(db, command);

    protected override string IdSql(string prefix, string n) => $"('{prefix}' || lpad(to_hex({n}), 12, '0'))::uuid";

    /// <summary>
    /// PostgreSQL only: its generic plan guessed an average customer's one scheduled order and read all of a big customer's
    /// (the app's SQL names the customer now, so the plan knows whose orders they are); SQLite plans by its statistics alone.
    /// </summary>
    [Fact]
    public async Task TheScheduledChanges_AreFoundByTheSubscriptionsItems_NotByWalkingTheCustomersScheduledOrders()
    {
        var plan = await PlanOfAsync((db, ctx, subscription) => SubscriptionQueries.ScheduledOrdersOf(db, ctx, subscription));

        // The subscription's items first, then each one's order by its id (an index condition, not a walk filtered by the items).
        Assert.Contains("Index Scan using \"IX_OrderItems_SubscriptionId\"", plan);
        Assert.Matches(@"Index Cond: .*\(""Id"" = \w+\.""OrderId""\)", plan);
    }

    /// <summary>The same for placing a scheduled order: its check for another order holding the subscription's schedule.</summary>
    [Fact]
    public async Task PlacingAScheduledOrder_FindsAnotherHoldingTheSubscriptionByItsItems_NotByWalkingTheCustomersScheduledOrders()
    {
        var plan = await PlanOfAsync((db, ctx, subscription) => OrderSchedule.OtherHoldingItems(db, ctx, orderId: 1, ScheduleKind.At, [subscription]));

        Assert.Contains("Index Scan using \"IX_OrderItems_SubscriptionId\"", plan);
        Assert.Matches(@"Index Cond: .*\(""Id"" = \w+\.""OrderId""\)", plan);
    }
}

using System.Data.Common;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The Recent list stays a bound on an index however many newer orders are in other statuses (docs/performance.md,
/// point 18). A big customer's newest orders are mostly completed; on the (CustomerId, Date, Id) index Recent's page
/// read and dropped every one of them (7,054 rows, 11 ms at 1,000,000 orders). IX_Orders_Recent holds only Recent's
/// statuses, and a planner uses a partial index only when the query states its predicate: the plan says which index
/// the page reads.
/// </summary>
public abstract class OrderListPlanTests(CloudMarketFactory app)
{
    private const int NewerCompleted = 3000;
    private const int OlderInFlight = 60;

    /// <summary>The plan the database runs the app's statement with, its parameters as the app sends them.</summary>
    protected abstract Task<string> PlanAsync(AppDbContext db, DbCommand command);

    [Fact]
    public async Task TheRecentPage_ReadsTheRecentIndex_NotTheNewerOrdersOfOtherStatuses()
    {
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        var plan = await app.WithDbAsync(async db =>
        {
            await AddOrdersAsync(db);
            await using var command = OrderQueries.PageQuery(db, ctx, new OrderListFilter(OrderView.Recent), cursor: null, limit: 25).CreateDbCommand();
            return await PlanAsync(db, command);
        });

        Assert.Contains("IX_Orders_Recent", plan);
    }

    [Fact]
    public async Task TheRecentPage_ShowsTheInFlightOrders_BehindTheNewerCompletedOnes()
    {
        var ctx = await app.CustomerContextAsync(Demo.SellerAdmin, DemoData.Fabrikam);
        var listed = await app.WithDbAsync(async db =>
        {
            await AddOrdersAsync(db);
            return await OrderQueries.ListAsync(db, ctx, new OrderListFilter(OrderView.Recent), cursor: null, limit: 25, CancellationToken.None);
        });

        Assert.Equal(25, listed.Items.Count);
        Assert.All(listed.Items, o => Assert.Contains(o.Status, OrderLifecycle.RecentStatuses));
        Assert.Equal(listed.Items.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id).Select(o => o.Id), listed.Items.Select(o => o.Id));
        Assert.NotNull(listed.NextCursor);
    }

    /// <summary>
    /// Copies of one of Fabrikam's demo orders: <see cref="OlderInFlight"/> in Started, then <see cref="NewerCompleted"/>
    /// completed, later by number (the lists' tie-break within a date), so they come first on the date index.
    /// </summary>
    private static async Task AddOrdersAsync(AppDbContext db)
    {
        if (await db.Orders.AnyAsync(o => o.Id > 1_000_000)) return;
        var templateId = await db.Orders.Where(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly).OrderBy(o => o.Id).Select(o => o.Id).FirstAsync();
        await TemplateRows.CopyAsync(db, typeof(Order), "Id", templateId.ToString(), OlderInFlight + NewerCompleted, column => column switch
        {
            "Id" => "1000000 + g.n",
            "Status" => $"CASE WHEN g.n <= {OlderInFlight} THEN '{OrderStatus.Started}' ELSE '{OrderStatus.Completed}' END",
            "Date" => "(SELECT MAX(\"Date\") FROM \"Orders\")",
            _ => null,
        });
        await db.Database.ExecuteSqlRawAsync("ANALYZE");
    }
}

public sealed class OrderListPlanTestsOnSqlite(SqliteFactory app) : OrderListPlanTests(app), IClassFixture<SqliteFactory>
{
    protected override Task<string> PlanAsync(AppDbContext db, DbCommand command) => QueryPlans.SqliteAsync(db, command);
}

public sealed class OrderListPlanTestsOnPostgres(PostgresFactory app) : OrderListPlanTests(app), IClassFixture<PostgresFactory>
{
    /// <summary>The generic plan (<see cref="QueryPlans.PostgresGenericAsync"/>): a page whose statuses were a parameter would not match the index's predicate.</summary>
    protected override Task<string> PlanAsync(AppDbContext db, DbCommand command) => QueryPlans.PostgresGenericAsync(db, command);
}

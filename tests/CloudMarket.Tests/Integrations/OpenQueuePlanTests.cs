using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// The outbox claims stay cheap however many rows wait (docs/performance.md, point 15). Each claim asks, per
/// candidate, whether an earlier event of its order (or an earlier delivery of its order to its endpoint) is still
/// open. PostgreSQL answered that over the index of all open rows, one scan per candidate, whenever its statistics
/// were taken while few rows were open (a quiet spell before a burst): 505 ms per claim with 2,000 open deliveries.
/// Asked of the newest earlier row only, the probe is one lookup in the (order, sequence) index whatever the
/// statistics say: the plan says which index it reads.
/// </summary>
public sealed class OpenQueuePlanTests : IAsyncLifetime
{
    private readonly PostgresFactory _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task TheDeliveriesClaim_LooksUpThePreviousDeliveryOfTheOrder_NotEveryOpenOne()
    {
        var plan = await _app.WithDbAsync(async db =>
        {
            // Statistics taken while every delivery was completed, then a burst of open ones.
            await db.Database.ExecuteSqlRawAsync(Deliveries(5000, completed: true));
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"Deliveries\"");
            await db.Database.ExecuteSqlRawAsync(Deliveries(2000, completed: false));
            return await PlanAsync(db, IntegrationQueue.DeliveriesClaimSql(postgres: true, []));
        });

        Assert.True(plan.Contains("using \"IX_Deliveries_EndpointId_OrderId_Sequence\" on \"Deliveries\" p"), plan);
        Assert.False(plan.Contains("using \"IX_Deliveries_CompletedAt_DueAt\" on \"Deliveries\" p"), plan);
    }

    [Fact]
    public async Task TheEventsClaim_LooksUpThePreviousEventOfTheOrder_NotEveryWaitingOne()
    {
        var plan = await _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(Events(5000, dispatched: true));
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"IntegrationEvents\"");
            await db.Database.ExecuteSqlRawAsync(Events(2000, dispatched: false));
            return await PlanAsync(db, IntegrationQueue.EventsClaimSql(postgres: true));
        });

        Assert.True(plan.Contains("using \"IX_IntegrationEvents_OrderId_Id\" on \"IntegrationEvents\" p"), plan);
        Assert.False(plan.Contains("using \"IX_IntegrationEvents_DispatchedAt_DueAt\" on \"IntegrationEvents\" p"), plan);
    }

    /// <summary>Sequenced deliveries of 2,500 orders, a few each, as a platform has them (no endpoint row is needed to plan the probe).</summary>
    private static string Deliveries(int count, bool completed) => $$"""
        INSERT INTO "Deliveries" ("Channel", "EventId", "EventType", "Sequence", "Sequenced", "Body", "CreatedAt", "Status", "DueAt",
                                  "Attempts", "Failures", "OrderId", "CompletedAt")
        SELECT 'Webhook', gen_random_uuid()::text, 'order.completed', g, true, 'x', now(), 'Pending', now() - interval '1 minute', 0, 0, g % 2500,
               {{(completed ? "now()" : "NULL")}}
        FROM generate_series(1, {{count}}) g
        """;

    private static string Events(int count, bool dispatched) => $$"""
        INSERT INTO "IntegrationEvents" ("EventId", "Type", "CustomerId", "ConcernsOnlyMarkup", "CreatedAt", "DueAt", "Attempts", "OrderId",
                                         "DispatchedAt")
        SELECT gen_random_uuid()::text, 'order.completed', '00000000-0000-0000-0000-000000000001', false, now(), now() - interval '1 minute', 0,
               g % 2500, {{(dispatched ? "now()" : "NULL")}}
        FROM generate_series(1, {{count}}) g
        """;

    /// <summary>The claim's plan (EXPLAIN, so nothing is claimed), its parameters written in.</summary>
    private static async Task<string> PlanAsync(Data.AppDbContext db, string claimSql)
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + claimSql.Replace("{0}", "'test'").Replace("{1}", "now()").Replace("{2}", "now()").Replace("{3}", "16");
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    }
}

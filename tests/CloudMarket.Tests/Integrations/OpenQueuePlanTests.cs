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
    public async Task TheDeliveriesClaim_ReadsOpenDeliveriesInOrder_AndLooksUpThePreviousDeliveryOfTheOrder_NotEveryOpenOne()
    {
        var plan = await PlanAfterABurstAsync("Deliveries", ended => Deliveries(ended ? 5000 : 2000, ended),
            IntegrationQueue.DeliveriesClaimSql(postgres: true, []));

        Assert.True(plan.Contains("using \"IX_Deliveries_EndpointId_OrderId_Sequence\" on \"Deliveries\" p"), plan);
        Assert.False(plan.Contains("using \"IX_Deliveries_Open\" on \"Deliveries\" p"), plan);
        AssertReadsOpenRowsInOrder(plan, "IX_Deliveries_Open", "Deliveries", "d");
    }

    /// <summary>
    /// While the mails in flight are at their cap, the claim leaves them out (IntegrationQueue.DestinationOf). On the index
    /// of every open delivery it then read past each waiting mail to reach the webhook calls: 7,700 blocks a claim with
    /// 20,000 mails waiting (docs/performance.md, point 54). The calls' own open rows are an index of their own.
    /// </summary>
    [Fact]
    public async Task WhileTheMailsAreAtTheirCap_TheClaimReadsTheCallsOwnOpenRowsInOrder_NotPastTheWaitingMails()
    {
        var client = await _app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        // A public address, so the endpoint is accepted without a name to resolve; nothing is sent (the claim is only planned).
        var (endpoint, _) = await client.CreateWebhookAsync(new Uri("https://93.184.216.34/hook"));
        var plan = await PlanAfterABurstAsync("Deliveries",
            ended => ended ? Deliveries(5000, completed: true) : Deliveries(20000, completed: false) + ";\n" + Deliveries(200, completed: false, endpoint),
            IntegrationQueue.DeliveriesClaimSql(postgres: true, [IntegrationQueue.MailRelay]));

        AssertReadsOpenRowsInOrder(plan, "IX_Deliveries_OpenCalls", "Deliveries", "d");
    }

    [Fact]
    public async Task TheEventsClaim_ReadsWaitingEventsInOrder_AndLooksUpThePreviousEventOfTheOrder_NotEveryWaitingOne()
    {
        var plan = await PlanAfterABurstAsync("IntegrationEvents", ended => Events(ended ? 5000 : 2000, ended),
            IntegrationQueue.EventsClaimSql(postgres: true));

        Assert.True(plan.Contains("using \"IX_IntegrationEvents_OrderId_Id\" on \"IntegrationEvents\" p"), plan);
        Assert.False(plan.Contains("using \"IX_IntegrationEvents_Open\" on \"IntegrationEvents\" p"), plan);
        AssertReadsOpenRowsInOrder(plan, "IX_IntegrationEvents_Open", "IntegrationEvents", "e");
    }

    [Fact]
    public async Task TheProvisioningClaim_ReadsOpenJobsInOrder()
    {
        var plan = await PlanAfterABurstAsync("ProvisioningJobs", ended => Jobs(ended ? 5000 : 2000, ended),
            Features.Provisioning.ProvisioningJobQueue.ClaimSql(postgres: true));

        AssertReadsOpenRowsInOrder(plan, "IX_ProvisioningJobs_Open", "ProvisioningJobs", "");
    }

    /// <summary>
    /// A batch of sent deliveries is marked succeeded by their keys (IntegrationQueue.StillHeld). Asked also whether they
    /// were still open, PostgreSQL combined the key with the open-rows index, believed small since its statistics were
    /// taken, and read every entry of it, those of rows ended since the last vacuum too (docs/performance.md, point 32).
    /// </summary>
    [Fact]
    public async Task TheSettlingOfSentDeliveries_FindsThemByTheirKeys_NotThroughTheOpenRowsIndex()
    {
        var plan = await _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(Deliveries(5000, completed: true));
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"Deliveries\"");
            await db.Database.ExecuteSqlRawAsync(Deliveries(2000, completed: false));
            var batch = await db.Set<Delivery>().Where(d => d.CompletedAt == null).OrderBy(d => d.Id).Select(d => d.Id).Take(16).ToListAsync();
            var settle = db.Set<Delivery>().StillHeld(batch, attempts: 0).Select(d => d.Id).ToQueryString();
            // The parameters' values are comments above the statement: the plan is asked with the values written in.
            var sql = string.Join("\n", settle.Split('\n').Where(l => !l.StartsWith("--")));
            var keys = settle.Split('\n').Single(l => l.StartsWith("-- @") && l.Contains('{')).Split('=')[0][3..];
            var number = settle.Split('\n').Single(l => l.StartsWith("-- @") && !l.Contains('{')).Split('=')[0][3..];
            sql = sql.Replace(keys, $"ARRAY[{string.Join(",", batch)}]::bigint[]").Replace(number, "0");
            return await PlanAsync(db, sql);
        });

        Assert.Contains("\"PK_Deliveries\"", plan);
        Assert.DoesNotContain("IX_Deliveries_Open", plan);
    }

    /// <summary>
    /// The claim's plan after 5,000 ended rows, statistics taken then (a quiet spell), and a burst of 2,000 open ones.
    /// </summary>
    private Task<string> PlanAfterABurstAsync(string table, Func<bool, string> insertRows, string claimSql) =>
        _app.WithDbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync(insertRows(true));
            var analyze = $"ANALYZE \"{table}\"";
            await db.Database.ExecuteSqlRawAsync(analyze);
            await db.Database.ExecuteSqlRawAsync(insertRows(false));
            return await PlanAsync(db, claimSql);
        });

    /// <summary>
    /// The candidates come from the index of open rows alone, in the claim's order, so the claim stops at its batch:
    /// no sort of every open row (the events claim sorted 10,000 waiting events by id for each batch of 200, 30 ms a
    /// claim), no step over the entries of ended rows (QueueTables.OpenRowsIndex, docs/performance.md point 30).
    /// </summary>
    private static void AssertReadsOpenRowsInOrder(string plan, string index, string table, string alias)
    {
        Assert.True(plan.Contains($"Index Scan using \"{index}\" on \"{table}\" {alias}".TrimEnd()), plan);
        Assert.DoesNotContain("Sort", plan);
    }

    /// <summary>
    /// Sequenced deliveries of 2,500 orders, a few each, as a platform has them (no endpoint row is needed to plan the probe);
    /// to an endpoint when one is given. Without one they are what the claim takes for mails: it tells them by the missing endpoint.
    /// </summary>
    private static string Deliveries(int count, bool completed, long? endpoint = null) => $$"""
        INSERT INTO "Deliveries" ("Channel", "EventId", "EventType", "Sequence", "Sequenced", "Body", "CreatedAt", "Status", "DueAt",
                                  "Attempts", "Failures", "OrderId", "CompletedAt", "EndpointId")
        SELECT 'Webhook', gen_random_uuid()::text, 'order.completed', g, true, 'x', now(), 'Pending', now() - interval '1 minute', 0, 0, g % 2500,
               {{(completed ? "now()" : "NULL")}}, {{(endpoint is { } e ? e.ToString() : "NULL")}}
        FROM generate_series(1, {{count}}) g
        """;

    private static string Events(int count, bool dispatched) => $$"""
        INSERT INTO "IntegrationEvents" ("EventId", "Type", "CustomerId", "ConcernsOnlyMarkup", "CreatedAt", "DueAt", "Attempts", "OrderId",
                                         "DispatchedAt")
        SELECT gen_random_uuid()::text, 'order.completed', '00000000-0000-0000-0000-000000000001', false, now(), now() - interval '1 minute', 0,
               g % 2500, {{(dispatched ? "now()" : "NULL")}}
        FROM generate_series(1, {{count}}) g
        """;

    private static string Jobs(int count, bool completed) => $"""
        INSERT INTO "ProvisioningJobs" ("OrderId", "CreatedAt", "DueAt", "Attempts", "CompletedAt")
        SELECT g, now(), now() - interval '1 minute', 0, {(completed ? "now()" : "NULL")}
        FROM generate_series(1, {count}) g
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

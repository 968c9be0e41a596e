using CloudMarket.Features.Integrations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// SQLite's side of <see cref="OpenQueuePlanTests"/>: SQLite uses a partial index only when the statement's condition
/// implies the index's filter, so each claim is planned to read its queue's open-rows index (Data/QueueTables.cs), in
/// the claim's order (no temporary B-tree to sort every open row).
/// </summary>
public sealed class OpenQueueSqlitePlanTests : IAsyncLifetime
{
    private readonly SqliteFactory _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public static TheoryData<string, string> Claims => new()
    {
        { "IntegrationEvents", IntegrationQueue.EventsClaimSql(postgres: false) },
        { "Deliveries", IntegrationQueue.DeliveriesClaimSql(postgres: false, []) },
        { "ProvisioningJobs", ProvisioningJobQueue.ClaimSql(postgres: false) },
    };

    [Theory]
    [MemberData(nameof(Claims))]
    public async Task TheClaim_ReadsItsOpenRowsIndex_InTheClaimsOrder(string table, string claimSql)
    {
        var plan = await PlanAsync(claimSql);

        Assert.Contains($"USING INDEX IX_{table}_Open", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    /// <summary>
    /// The probe of an order's previous delivery to the endpoint reads the endpoint index, which holds webhook deliveries
    /// only (filter "EndpointId" IS NOT NULL, docs/performance.md point 31): the probe's equality on the endpoint implies it.
    /// </summary>
    [Fact]
    public async Task TheDeliveriesClaim_LooksUpThePreviousDeliveryInTheWebhookOnlyEndpointIndex()
    {
        var plan = await PlanAsync(IntegrationQueue.DeliveriesClaimSql(postgres: false, []));

        Assert.Matches("USING (COVERING )?INDEX IX_Deliveries_EndpointId_OrderId_Sequence", plan);
    }

    private Task<string> PlanAsync(string claimSql) =>
        _app.WithDbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + claimSql.Replace("{0}", "'test'").Replace("{1}", "'2030-01-01 00:00:00'")
                .Replace("{2}", "'2030-01-01 00:00:00'").Replace("{3}", "16");
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
            return string.Join("\n", lines);
        });
}

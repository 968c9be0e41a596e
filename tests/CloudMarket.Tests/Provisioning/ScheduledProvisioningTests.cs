using System.Net;
using System.Text.Json;
using CloudMarket.Features.Provisioning;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.VendorSandbox;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Integrations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

/// <summary>
/// workflow.md, Scheduling, with the worker running: a scheduled order waits in its outbox row (due at its
/// moment) and runs once when the app's clock reaches it; a cancelled one is never sent to a vendor. Time
/// passes by moving the app's clock, never by sleeping; "still waiting" is shown by an order placed after it
/// that the worker completed meanwhile.
/// </summary>
public abstract class ScheduledProvisioningTests(CloudMarketFactory app)
{
    private VendorSandboxServer Sandbox => app.Services.GetRequiredService<InProcessVendorSandbox>().Server;

    // Minutes, not hours: the suite's access tokens live 15 minutes of this clock.
    private static readonly TimeSpan Ahead = TimeSpan.FromMinutes(3);

    private int PurchasesOf(JsonElement order) =>
        Sandbox.State.Purchases.Count(p => order.Items().Any(i => ItemOf(p) == Key(i.GetProperty("id").GetGuid())));

    private async Task<long> PlaceScheduledAsync(HttpClient client, string name, DateTime at, params object[] items)
    {
        var cart = await client.PostJsonAsync(OrdersUrl, new { name, items, schedule = new { when = "at", at } }, HttpStatusCode.Created);
        Assert.Equal("scheduled", (await (await client.PlaceAsync(cart.Id())).JsonAsync(HttpStatusCode.Accepted)).Status());
        return cart.Id();
    }

    /// <summary>An order placed now and completed: the worker has claimed due work since the earlier placements.</summary>
    private static async Task WorkerWentRoundAsync(HttpClient client) =>
        await WaitForAsync(client, await PlaceAsync(client, "Now", NewAcronis(1)), "completed");

    [Fact]
    public async Task AScheduledOrder_WaitsForItsMoment_ThenRunsOnce()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await PlaceScheduledAsync(anna, "Later", app.Clock.GetUtcNow().UtcDateTime + Ahead, NewAcronis(3));
        await WorkerWentRoundAsync(anna);
        var waiting = await anna.OrderAsync(id);
        Assert.Equal("scheduled", waiting.Status());
        Assert.Equal(0, PurchasesOf(waiting));

        app.Clock.Advance(Ahead + TimeSpan.FromSeconds(1));
        var done = await WaitForAsync(anna, id, FinalOrWaiting);
        Assert.Equal("completed", done.Status());
        Assert.Equal(1, PurchasesOf(done));
        Assert.Equal(["→started", "started→scheduled", "scheduled→inProgress", "inProgress→provisioningStarted",
            "provisioningStarted→provisioningFinished", "provisioningFinished→completed"], done.Transitions());
        Assert.NotNull(await app.WithDbAsync(db => db.ProvisioningJobs.Where(j => j.OrderId == id).Select(j => j.CompletedAt).SingleAsync()));
    }

    [Fact]
    public async Task AScheduledOrderCancelledBeforeItsMoment_IsNeverSentToAVendor()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await PlaceScheduledAsync(ida, "Changed my mind", app.Clock.GetUtcNow().UtcDateTime + Ahead, NewAcronis(2));
        Assert.Equal("cancelled", (await (await ida.ActAsync(id, "cancel")).JsonAsync(HttpStatusCode.OK)).Status());

        app.Clock.Advance(Ahead + TimeSpan.FromSeconds(1));
        // Its job comes due and is ended untouched.
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.ProvisioningJobs.Where(j => j.OrderId == id).Select(j => j.CompletedAt).SingleAsync()),
            completed => completed is not null, "the cancelled order's job to end");
        await WorkerWentRoundAsync(ida);
        var order = await ida.OrderAsync(id);
        Assert.Equal("cancelled", order.Status());
        Assert.Equal(0, PurchasesOf(order));
        Assert.All(order.Items(), i => Assert.Equal("pending", i.GetProperty("provisioningStatus").GetString()));
    }
}

public sealed class ScheduledProvisioningTestsOnSqlite(ProvisioningSqliteFactory app) : ScheduledProvisioningTests(app), IClassFixture<ProvisioningSqliteFactory>;
public sealed class ScheduledProvisioningTestsOnPostgres(ProvisioningPostgresFactory app) : ScheduledProvisioningTests(app), IClassFixture<ProvisioningPostgresFactory>;

/// <summary>
/// A scheduled order outlives the app: placed, the app stopped before its moment, started again after it (a
/// new instance on the same database, its clock past the moment): it runs, once. And two instances on one
/// database run a batch of scheduled orders with nothing bought twice. The sandbox runs in the test and keeps count.
/// </summary>
public sealed class ScheduledOrdersAcrossRestartsTests : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cloudmarket-scheduled-{Guid.NewGuid():N}.db");
    private VendorSandboxServer _sandbox = null!;

    public async ValueTask InitializeAsync() =>
        _sandbox = await VendorSandboxServer.StartAsync(new VendorSandboxOptions { InProcess = false });

    private sealed class Instance(DatabaseProvider provider, string connectionString, IDictionary<string, string?> settings) : CloudMarketFactory
    {
        public override DatabaseProvider Provider => provider;
        protected override string ConnectionString => connectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }

    private sealed class PostgresOwner(IDictionary<string, string?> settings) : PostgresFactory
    {
        public string SharedConnectionString => ConnectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }

    private Dictionary<string, string?> Settings => FastProvisioning.ExternalSandbox(_sandbox);

    private static readonly TimeSpan Ahead = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AppStoppedBeforeTheMoment_AndStartedAfterIt_RunsTheScheduledOrderOnce()
    {
        long id;
        Guid item;
        await using (var first = new Instance(DatabaseProvider.Sqlite, $"Data Source={_file}", Settings))
        {
            await first.InitializeAsync();
            var anna = await first.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
            var cart = await anna.PostJsonAsync(OrdersUrl, new { items = new[] { NewAcronis(2) }, schedule = new { when = "at", at = first.Clock.GetUtcNow().UtcDateTime + Ahead } },
                HttpStatusCode.Created);
            id = cart.Id();
            item = cart.ItemId(0);
            Assert.Equal("scheduled", (await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
        }
        Assert.Empty(_sandbox.State.Purchases);

        await using var second = new Instance(DatabaseProvider.Sqlite, $"Data Source={_file}", Settings);
        second.Clock.Advance(Ahead + TimeSpan.FromSeconds(1));
        await second.InitializeAsync();
        var client = await second.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var done = await WaitForAsync(client, id, FinalOrWaiting);
        Assert.Equal("completed", done.Status());
        Assert.Single(_sandbox.State.Purchases, p => ItemOf(p) == Key(item));
        Assert.Single(done.Transitions(), t => t == "scheduled→inProgress");
    }

    [Fact]
    public async Task TwoInstancesOnOneDatabase_RunEachScheduledOrderOnce()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Provisioning:MaxConcurrentOrders"] = "4", ["Provisioning:ClaimBatchSize"] = "2" };
        await using var a = new PostgresOwner(settings);
        await a.InitializeAsync();
        await using var b = new Instance(DatabaseProvider.Postgres, a.SharedConnectionString, settings);
        await b.InitializeAsync();
        var anna = await a.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var at = a.Clock.GetUtcNow().UtcDateTime + Ahead;
        var ids = new List<long>();
        for (var n = 0; n < 24; n++)
        {
            var cart = await anna.PostJsonAsync(OrdersUrl, new { name = $"Batch {n}", items = new[] { NewAcronis(1 + n % 4) }, schedule = new { when = "at", at } },
                HttpStatusCode.Created);
            await (await anna.PlaceAsync(cart.Id())).JsonAsync(HttpStatusCode.Accepted);
            ids.Add(cart.Id());
        }

        a.Clock.Advance(Ahead + TimeSpan.FromSeconds(1));
        b.Clock.Advance(Ahead + TimeSpan.FromSeconds(1));
        foreach (var id in ids)
        {
            var order = await WaitForAsync(anna, id, FinalOrWaiting);
            Assert.Equal("completed", order.Status());
            Assert.Single(_sandbox.State.Purchases, p => ItemOf(p) == Key(order.ItemId(0)));
            Assert.Single(order.Transitions(), t => t == "scheduled→inProgress");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
            File.Delete(f);
    }
}

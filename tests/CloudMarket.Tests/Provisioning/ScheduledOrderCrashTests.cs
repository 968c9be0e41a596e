using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.VendorSandbox;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

/// <summary>
/// workflow.md, Scheduling: a scheduled order survives the process. The app is killed (SIGKILL) while the
/// order waits for its moment; while it is down the moment passes (the test moves the order's moment and
/// its outbox row's due time into the past rather than sleeping); the restarted app runs the order, once.
/// </summary>
public abstract class ScheduledOrderCrashTests(DatabaseProvider provider) : IAsyncLifetime
{
    private readonly ProcessDatabase _database = ProcessDatabase.For(provider);
    private VendorSandboxServer _sandbox = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.CreateAsync();
        _sandbox = await VendorSandboxServer.StartAsync(new VendorSandboxOptions { InProcess = false });
    }

    private Dictionary<string, string?> Settings => new(FastProvisioning.ExternalSandbox(_sandbox).Concat(_database.Settings));

    [Fact]
    public async Task AppKilledBeforeTheMoment_RestartedAfterIt_RunsTheScheduledOrderOnce()
    {
        long id;
        await using (var first = await AppProcess.StartAsync(Settings))
        {
            var client = await first.SellerInFabrikamAsync();
            var cart = await client.PostJsonAsync(OrdersUrl, new
            {
                name = "Scheduled before the crash",
                items = new[] { NewAcronis(2) },
                schedule = new { when = "at", at = DateTime.UtcNow.AddDays(2) },
            }, HttpStatusCode.Created);
            id = cart.Id();
            Assert.Equal("scheduled", (await (await client.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
            await first.KillAsync();
        }
        Assert.Empty(_sandbox.State.Purchases);

        // While the app is down, its moment passes: the order's and its outbox row's due times move to when it was placed.
        Assert.Equal(1, _database.Execute($"""UPDATE "Orders" SET "ScheduledFor" = "PlacedAt" WHERE "Id" = {id}"""));
        Assert.Equal(1, _database.Execute($"""UPDATE "ProvisioningJobs" SET "DueAt" = "CreatedAt" WHERE "OrderId" = {id}"""));

        await using var second = await AppProcess.StartAsync(Settings);
        var done = await WaitForAsync(await second.SellerInFabrikamAsync(), id, FinalOrWaiting);
        Assert.Equal("completed", done.Status());
        var item = Key(done.Items().Single().GetProperty("id").GetGuid());
        Assert.Single(_sandbox.State.Purchases, p => ItemOf(p) == item);
        Assert.Equal(0, _database.Scalar($"""SELECT COUNT(*) FROM "ProvisioningJobs" WHERE "OrderId" = {id} AND "CompletedAt" IS NULL"""));
    }


    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        await _database.DisposeAsync();
    }
}

public sealed class ScheduledOrderCrashOnSqlite() : ScheduledOrderCrashTests(DatabaseProvider.Sqlite);

public sealed class ScheduledOrderCrashOnPostgres() : ScheduledOrderCrashTests(DatabaseProvider.Postgres);

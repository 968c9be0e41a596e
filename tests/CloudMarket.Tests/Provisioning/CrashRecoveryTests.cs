using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.VendorSandbox;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

/// <summary>
/// quality.md, Reliability: a process killed at any moment loses no order and, after restart, every
/// order reaches a final status with nothing bought twice. The sandbox runs in the test so it
/// outlives the app and keeps count.
/// </summary>
public abstract class CrashRecoveryTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const int Orders = 240;
    private readonly ProcessDatabase _database = ProcessDatabase.For(provider);
    private VendorSandboxServer _sandbox = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.CreateAsync();
        // Slow enough that the app is still provisioning when it is killed.
        _sandbox = await VendorSandboxServer.StartAsync(new VendorSandboxOptions
        {
            InProcess = false, FulfilmentDelayMs = 100, Faults = new SandboxFaults { LatencyMs = 40, LatencyJitterMs = 40 },
        });
    }

    private Dictionary<string, string?> Settings => new(FastProvisioning.ExternalSandbox(_sandbox).Concat(_database.Settings))
    {
        ["Provisioning:LeaseSeconds"] = "3",
        ["Provisioning:MaxConcurrentOrders"] = "8",
        ["Security:ApiRequestsPerSecondPerUser"] = "100000",
        ["Security:SignInRequestsPerMinute"] = "100000",
    };

    [Fact]
    public async Task AppKilledWhileProvisioning_AfterRestart_EveryOrderCompletes_AndEachItemIsPurchasedOnce()
    {
        var first = await AppProcess.StartAsync(Settings);
        var client = await first.SellerInFabrikamAsync();
        await Parallel.ForEachAsync(Enumerable.Range(1, Orders), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
        {
            await PlaceAsync(client, $"Crash test {n:D3}", n % 3 == 0 ? NewAcronis(1 + n % 7) : NewMicrosoft($"crash{n:D3}x{Guid.NewGuid().ToString("N")[..8]}", 1 + n % 9));
        });
        await WaitAsync(() => Count("= 'Completed'") >= Orders / 5, "a fifth of the orders to complete");

        await first.KillAsync();
        var unfinished = Count("<> 'Completed'");
        Assert.True(unfinished > 0, "The app should have been killed while orders were still being provisioned.");

        await using var second = await AppProcess.StartAsync(Settings);
        await WaitAsync(() => Count("= 'Completed'") == Orders, "every order to complete after the restart");

        var purchases = _sandbox.State.Purchases;
        var perItem = purchases.GroupBy(ItemOf).ToList();
        Assert.Equal(Orders, perItem.Count);
        Assert.All(perItem, item => Assert.Single(item));
        Assert.Equal(0, Count("<> 'Completed'"));
        // This test's orders' jobs (the demo's scheduled orders wait for their moment, weeks away).
        Assert.Equal(0, _database.Scalar("""SELECT COUNT(*) FROM "ProvisioningJobs" WHERE "CompletedAt" IS NULL AND "OrderId" IN (SELECT "Id" FROM "Orders" WHERE "Name" LIKE 'Crash test %')"""));
    }


    /// <summary>Counts this test's orders by status, reading the app's database directly.</summary>
    private long Count(string statusCondition) =>
        _database.Scalar($"""SELECT COUNT(*) FROM "Orders" WHERE "Name" LIKE 'Crash test %' AND "Status" {statusCondition}""");

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        await _database.DisposeAsync();
    }
}

public sealed class CrashRecoveryOnSqlite() : CrashRecoveryTests(DatabaseProvider.Sqlite);

public sealed class CrashRecoveryOnPostgres() : CrashRecoveryTests(DatabaseProvider.Postgres);

using CloudMarket.Features.Provisioning;
using CloudMarket.VendorSandbox;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

/// <summary>
/// quality.md, Reliability: several instances on one PostgreSQL database share the work without
/// provisioning anything twice. Both instances run their worker against one sandbox run by the test.
/// </summary>
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private const int Orders = 120;
    private VendorSandboxServer _sandbox = null!;
    private InstanceA _a = null!;
    private InstanceB _b = null!;

    public async ValueTask InitializeAsync()
    {
        _sandbox = await VendorSandboxServer.StartAsync(new VendorSandboxOptions
        {
            InProcess = false, Faults = new SandboxFaults { LatencyMs = 10, LatencyJitterMs = 20 },
        });
        var settings = new Dictionary<string, string?>(FastProvisioning.ExternalSandbox(_sandbox))
        {
            ["Provisioning:MaxConcurrentOrders"] = "4",
            ["Provisioning:ClaimBatchSize"] = "2",
        };
        _a = new InstanceA(settings);
        await _a.InitializeAsync();
        _b = new InstanceB(_a.SharedConnectionString, settings);
        await _b.InitializeAsync();
    }

    [Fact]
    public async Task TwoInstancesOnOneDatabase_ProvisionABatchTogether_WithNothingPurchasedTwice()
    {
        var clientA = await _a.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var clientB = await _b.ClientAsync(Demo.LitwareAdmin, Demo.Adatum);
        var ids = await Task.WhenAll(Enumerable.Range(1, Orders).Select(n => n % 2 == 0
            ? PlaceAsync(clientA, $"Shared {n}", NewAcronis(1 + n % 5))
            : PlaceAsync(clientB, $"Shared {n}", NewMicrosoft($"adatum{n:D3}x{Guid.NewGuid().ToString("N")[..6]}", 1 + n % 4,
                new { email = "it@adatum.example", firstName = "Ada", lastName = "Quinn" }))));

        foreach (var (id, n) in ids.Select((id, i) => (id, i + 1)))
        {
            var order = await WaitForAsync(n % 2 == 0 ? clientA : clientB, id, FinalOrWaiting);
            Assert.Equal("completed", order.GetProperty("status").GetString());
        }

        var perItem = _sandbox.State.Purchases.GroupBy(ItemOf).ToList();
        Assert.Equal(Orders, perItem.Count);
        Assert.All(perItem, item => Assert.Single(item));

        // Both workers took part: the jobs remember who finished them.
        var owners = await _a.WithDbAsync(db => db.ProvisioningJobs.Where(j => ids.Contains(j.OrderId)).Select(j => j.LeaseOwner).Distinct().ToListAsync());
        Assert.Contains(_a.Services.GetRequiredService<ProvisioningWorker>().InstanceName, owners);
        Assert.Contains(_b.Services.GetRequiredService<ProvisioningWorker>().InstanceName, owners);
    }

    public async ValueTask DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    /// <summary>Owns the database: creates it, seeds it, drops it.</summary>
    private sealed class InstanceA(Dictionary<string, string?> settings) : PostgresFactory
    {
        public string SharedConnectionString => ConnectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }

    /// <summary>A second instance on the same database (the demo data is already there, so it seeds nothing).</summary>
    private sealed class InstanceB(string connectionString, Dictionary<string, string?> settings) : CloudMarketFactory
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
        protected override string ConnectionString => connectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }
}

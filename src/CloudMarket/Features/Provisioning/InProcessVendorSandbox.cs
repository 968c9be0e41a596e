using CloudMarket.Data;
using CloudMarket.Features.Subscriptions;
using CloudMarket.VendorSandbox;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Starts the vendor sandbox (its own project, <see cref="VendorSandboxServer"/>) with the app when
/// <see cref="VendorSandboxOptions.InProcess"/> is on, knowing the platform's tenants and subscriptions (the
/// database is prepared before hosted services start), and says where it listens. The connectors then call it over
/// loopback HTTP like any vendor.
/// </summary>
public sealed class InProcessVendorSandbox(VendorSandboxOptions options, TimeProvider clock, IServiceScopeFactory scopes,
    ILogger<InProcessVendorSandbox> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<VendorSandboxServer> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private VendorSandboxServer? _server;

    /// <summary>The running sandbox (address and key), once it has started.</summary>
    public Task<VendorSandboxServer> Started => _started.Task;

    /// <summary>The running sandbox, for tests that look at its state or change its faults.</summary>
    public VendorSandboxServer Server => _server ?? throw new InvalidOperationException("The in-process vendor sandbox is not running.");

    public async Task StartAsync(CancellationToken ct)
    {
        if (!options.InProcess) return;
        SandboxWorld world;
        await using (var scope = scopes.CreateAsyncScope())
            world = await SandboxWorlds.FromPlatformAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), ct);
        _server = await VendorSandboxServer.StartAsync(options, clock, world, ct);
        logger.LogInformation("Vendor sandbox (in-process, called by the provisioning worker only) listening on {SandboxAddress}", _server.BaseAddress);
        _started.TrySetResult(_server);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}

/// <summary>
/// The world a sandbox starts from, so the vendor agrees with the platform's data: every recorded tenant exists there
/// and belongs to its customer, every subscription exists with the start of its current term.
/// </summary>
public static class SandboxWorlds
{
    /// <summary>The platform's own data: the in-process sandbox starts from it.</summary>
    public static async Task<SandboxWorld> FromPlatformAsync(AppDbContext db, CancellationToken ct)
    {
        var tenants = await db.CustomerTenants.AsNoTracking().Select(t => new { t.Name, t.CustomerId }).ToListAsync(ct);
        var subscriptions = await db.Subscriptions.AsNoTracking().ToListAsync(ct);
        return new SandboxWorld(
            tenants.Select(t => new SandboxWorldTenant(t.Name, t.CustomerId.ToString())).ToList(),
            subscriptions.Select(Of).ToList());
    }

    /// <summary>The demo's data, for a sandbox that runs as its own process and has no platform database.</summary>
    public static SandboxWorld Demo(DateTime now)
    {
        var subscriptions = DemoData.CreateSubscriptions(DemoData.CreateOffers().ToDictionary(o => o.Id), now);
        return new SandboxWorld(
            DemoData.CreateTenants(subscriptions).Select(t => new SandboxWorldTenant(t.Name, t.CustomerId.ToString())).ToList(),
            subscriptions.Select(Of).ToList());
    }

    // A subscription bought before the platform talked to the vendor is known there by the platform's id (OrderProvisioner).
    private static SandboxWorldSubscription Of(Subscription s) => new(s.VendorSubscriptionId ?? s.Id.ToString(), s.OfferId, s.Quantity,
        s.Status == SubscriptionStatus.Suspended, s.AutoRenew, s.CurrentTermStart, s.Status == SubscriptionStatus.Cancelled, s.RecentIncreases);
}

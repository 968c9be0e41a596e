using CloudMarket.Data;
using CloudMarket.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.VendorSandbox;

/// <summary>A tenant the vendor knows, and the platform's customer id it was created for.</summary>
public sealed record SandboxWorldTenant(string Domain, string CustomerReference);

/// <summary>A subscription the vendor sold, by the id the platform sends it (its vendor id, or the platform's own).</summary>
public sealed record SandboxWorldSubscription(string Id, string OfferId, int Quantity, bool Suspended, bool AutoRenew, DateTime TermStartedAt,
    bool Cancelled = false, IReadOnlyList<Catalog.IncreaseWindow>? Increases = null);

/// <summary>
/// What the vendor already knows when the sandbox starts, so its world agrees with the platform's
/// data: every recorded tenant exists there and belongs to its customer, every subscription exists
/// with the start of its current term (the cancellation window opens then).
/// </summary>
public sealed record SandboxWorld(IReadOnlyList<SandboxWorldTenant> Tenants, IReadOnlyList<SandboxWorldSubscription> Subscriptions)
{
    public static readonly SandboxWorld Empty = new([], []);

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

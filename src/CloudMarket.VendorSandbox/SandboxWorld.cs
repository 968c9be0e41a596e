using CloudMarket.VendorPolicies;

namespace CloudMarket.VendorSandbox;

/// <summary>A tenant the vendor knows, and the platform's customer id it was created for.</summary>
public sealed record SandboxWorldTenant(string Domain, string CustomerReference);

/// <summary>A subscription the vendor sold, by the id the platform sends it (its vendor id, or the platform's own).</summary>
public sealed record SandboxWorldSubscription(string Id, string OfferId, int Quantity, bool Suspended, bool AutoRenew, DateTime TermStartedAt,
    bool Cancelled = false, IReadOnlyList<IncreaseWindow>? Increases = null);

/// <summary>
/// What the vendor already knows when the sandbox starts, so its world agrees with the platform's
/// data: every recorded tenant exists there and belongs to its customer, every subscription exists
/// with the start of its current term (the cancellation window opens then).
/// </summary>
public sealed record SandboxWorld(IReadOnlyList<SandboxWorldTenant> Tenants, IReadOnlyList<SandboxWorldSubscription> Subscriptions)
{
    public static readonly SandboxWorld Empty = new([], []);
}

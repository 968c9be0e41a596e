namespace CloudMarket.Features.Subscriptions;

/// <summary>
/// A Microsoft tenant (e.g. fabrikam.onmicrosoft.com) and the one customer it belongs to. Recorded
/// when an order that names a new tenant completes (and, for the tenants of subscriptions older than
/// this record, by the migration that introduced it), so that naming another customer's tenant is
/// refused before anything is sent to Microsoft (<see cref="Orders.OrderValidator"/>).
/// </summary>
public sealed class CustomerTenant
{
    private CustomerTenant() { }

    public CustomerTenant(string name, Guid customerId, DateTime recordedAt)
    {
        Name = Normalize(name);
        CustomerId = customerId;
        RecordedAt = recordedAt;
    }

    /// <summary>The tenant's domain, lower-case: Microsoft's domains are case-insensitive.</summary>
    public string Name { get; private set; } = "";
    public Guid CustomerId { get; private set; }
    public DateTime RecordedAt { get; private set; }

    public static string Normalize(string tenant) => tenant.Trim().ToLowerInvariant();
}

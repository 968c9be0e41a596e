namespace CloudMarket.Features.Provisioning;

/// <summary>
/// The outbox row: durable work for the provisioning worker, committed in the same transaction as
/// the order's status change, so a placed order can never be lost between the database and the vendor.
/// </summary>
public sealed class ProvisioningJob
{
    private ProvisioningJob() { }

    public ProvisioningJob(long orderId, DateTime now)
    {
        OrderId = orderId;
        CreatedAt = now;
        DueAt = now;
    }

    public long Id { get; private set; }
    public long OrderId { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>Not to be picked before this time (backoff after a transient failure).</summary>
    public DateTime DueAt { get; set; }

    /// <summary>The worker instance holding the job, until <see cref="LeaseExpiresAt"/>; then anyone may reclaim it.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>W3C traceparent of the request that placed or retried the order: the worker's span joins that trace.</summary>
    public string? TraceParent { get; private set; } = System.Diagnostics.Activity.Current?.Id;
}

using CloudMarket.Data;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Provisioning;

/// <summary>Wakes the worker when this instance placed or retried an order, so it need not wait for the next poll.</summary>
public sealed class ProvisioningSignal
{
    private readonly WakeUpSignal _signal = new();

    public void Notify() => _signal.Notify();

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

/// <summary>
/// Notifies <see cref="ProvisioningSignal"/> after a save that committed new provisioning jobs
/// (a placement or a retry), wherever the save came from: API, pages or tests.
/// </summary>
public sealed class ProvisioningJobsCommitted(ProvisioningSignal signal) : SaveRecorder
{
    protected override void RecordDetected(DbContext context)
    {
        if (context.ChangeTracker.Entries<ProvisioningJob>().Any(e => e.State == EntityState.Added))
            WakeWhenCommitted(context);
    }

    protected override void Committed() => signal.Notify();
}

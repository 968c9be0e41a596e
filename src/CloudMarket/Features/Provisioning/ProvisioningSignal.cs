using System.Runtime.CompilerServices;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

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
public sealed class ProvisioningJobsCommitted(ProvisioningSignal signal) : SaveChangesInterceptor
{
    private static readonly object Marker = new();
    private readonly ConditionalWeakTable<DbContext, object> _pending = new();

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken ct = default)
    {
        Remember(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Remember(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        Notify(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Notify(eventData.Context);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Remember(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries<ProvisioningJob>().Any(e => e.State == EntityState.Added))
            _pending.AddOrUpdate(context, Marker);
    }

    private void Notify(DbContext? context)
    {
        if (context is not null && _pending.Remove(context))
            signal.Notify();
    }

    private void Forget(DbContext? context)
    {
        if (context is not null) _pending.Remove(context);
    }
}

using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Data;

/// <summary>
/// A save interceptor that adds rows to a save from what the save changes, inside that save's transaction (the
/// integration events, Needs attention's tally changes). Changes are detected once (by AppDbContext's save, for all
/// the recorders and the save itself), then the states are read as they are: every Entries/Entry call would scan all
/// tracked entities again (a save of a fan-out or delivery batch tracks hundreds). A recorder whose save leaves work for a
/// background loop of this instance wakes it once the save has succeeded (<see cref="WakeWhenCommitted"/>), and a save that
/// fails or is cancelled wakes nobody: a loop woken before the work is committed would find nothing. The saves that mark (placements,
/// retries, order transitions) run in their own transaction, so their success is their commit; a save inside a caller's
/// transaction would wake the loop before that transaction commits, and the loop would find its work at its next poll.
/// </summary>
public abstract class SaveRecorder : SaveChangesInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken ct = default)
    {
        Record(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Record(eventData.Context);
        return result;
    }

    /// <summary>
    /// AppDbContext's save has detected the changes and turned detection off until it ends (<c>DetectOnce</c>), so the
    /// states are current and reading them scans nothing again.
    /// </summary>
    private void Record(DbContext? context)
    {
        if (context is not null) RecordDetected(context);
    }

    /// <summary>Adds this recorder's rows for what the save changes; the tracker's states are current.</summary>
    protected abstract void RecordDetected(DbContext context);

    private static readonly object Marker = new();
    private readonly ConditionalWeakTable<DbContext, object> _toWake = new();

    /// <summary>From <see cref="RecordDetected"/>: this save leaves work to do, so <see cref="Committed"/> runs once it is committed.</summary>
    protected void WakeWhenCommitted(DbContext context) => _toWake.AddOrUpdate(context, Marker);

    /// <summary>A save marked by <see cref="WakeWhenCommitted"/> has succeeded: wake whoever does its work.</summary>
    protected virtual void Committed() { }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        WakeIfMarked(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        WakeIfMarked(eventData.Context);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Unmark(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default)
    {
        Unmark(eventData.Context);
        return Task.CompletedTask;
    }

    // A cancelled save is not a failed one to EF Core: without these its mark would stay on the (pooled) context and the
    // next save of whatever request gets that context would wake the loop for nothing.
    public override void SaveChangesCanceled(DbContextEventData eventData) => Unmark(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken ct = default)
    {
        Unmark(eventData.Context);
        return Task.CompletedTask;
    }

    private void WakeIfMarked(DbContext? context)
    {
        if (context is not null && _toWake.Remove(context)) Committed();
    }

    private void Unmark(DbContext? context)
    {
        if (context is not null) _toWake.Remove(context);
    }
}

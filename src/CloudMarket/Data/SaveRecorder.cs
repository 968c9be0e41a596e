using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Data;

/// <summary>
/// A save interceptor that adds rows to a save from what the save changes, inside that save's transaction (the
/// integration events, Needs attention's tally changes). Changes are detected once (by AppDbContext's save, for all
/// the recorders and the save itself), then the states are read as they are: every Entries/Entry call would scan all
/// tracked entities again (a save of a fan-out or delivery batch tracks hundreds).
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

    private void Record(DbContext? context)
    {
        if (context is null) return;
        var tracker = context.ChangeTracker;
        // AppDbContext's save has detected the changes already and turned detection off until it ends.
        if (!tracker.AutoDetectChangesEnabled)
        {
            RecordDetected(context);
            return;
        }
        tracker.DetectChanges();
        var autoDetect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            RecordDetected(context);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>Adds this recorder's rows for what the save changes; the tracker's states are current.</summary>
    protected abstract void RecordDetected(DbContext context);
}

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
}

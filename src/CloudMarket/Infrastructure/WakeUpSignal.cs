namespace CloudMarket.Infrastructure;

/// <summary>
/// Wakes one background loop that otherwise polls: any number of notifications before it wakes make one wake-up.
/// Notifying is a single interlocked exchange and never throws, because it happens after every save that commits
/// work (hundreds a second under load); a <see cref="SemaphoreSlim"/> released past its maximum would throw
/// <see cref="SemaphoreFullException"/> on each of those instead.
/// </summary>
public sealed class WakeUpSignal
{
    private readonly SemaphoreSlim _wakeUp = new(0, 1);
    private int _pending;

    public void Notify()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0) _wakeUp.Release();
    }

    /// <summary>
    /// Waits for a notification or the timeout (true when notified). The pending flag is cleared on waking, before
    /// the caller looks for work: a notification that came after the work was committed and before the flag was
    /// cleared is not lost, since the look that follows sees that work.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var notified = await _wakeUp.WaitAsync(timeout, ct);
        if (notified) Volatile.Write(ref _pending, 0);
        return notified;
    }
}

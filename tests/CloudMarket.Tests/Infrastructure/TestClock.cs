namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// The app's clock in integration tests: the real time plus an offset the test moves forward, so a
/// test can make time pass (an order placed "a minute later") without sleeping, while the running
/// app's timers (the provisioning worker's polling, leases) keep working on real time.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the app's "now" forward for everyone using this app instance.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}

using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>The wake-up of the background loops (provisioning worker, integration dispatcher): pure logic, no waiting.</summary>
public sealed class WakeUpSignalTests
{
    [Fact]
    public async Task Notifications_before_a_wait_make_one_wake_up()
    {
        var signal = new WakeUpSignal();
        signal.Notify();
        signal.Notify();
        signal.Notify();

        Assert.True(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task A_notification_after_a_wake_up_wakes_again()
    {
        var signal = new WakeUpSignal();
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        signal.Notify();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        signal.Notify();
        Assert.True(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_notifications_never_throw_and_leave_one_wake_up()
    {
        var signal = new WakeUpSignal();
        var waiter = signal.WaitAsync(Timeout.InfiniteTimeSpan, TestContext.Current.CancellationToken);

        Parallel.For(0, 10_000, _ => signal.Notify());

        Assert.True(await waiter);
        // Whatever raced with the wake-up left at most one more pending, never more.
        await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.False(await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }
}

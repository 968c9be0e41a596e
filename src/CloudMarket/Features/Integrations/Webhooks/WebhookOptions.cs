using System.ComponentModel.DataAnnotations;

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>Section "Webhooks".</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Allow http and private, loopback and link-local targets. Null means: true in Development only.
    /// Off, a target is refused when its URL is saved and again when each call is made, after DNS resolution.
    /// </summary>
    public bool? AllowLocalTargets { get; set; }

    /// <summary>Waits after the 1st, 2nd… failed attempt; after the last, <see cref="RepeatEvery"/> until <see cref="GiveUpAfter"/>.</summary>
    public TimeSpan[] RetrySchedule { get; set; } = [];

    public TimeSpan RepeatEvery { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A delivery still failing this long after its first attempt is given up and its endpoint disabled.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(3);

    [Range(1, 120)] public int TimeoutSeconds { get; set; } = 10;

    public static readonly TimeSpan[] DefaultRetrySchedule =
        [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];

    public TimeSpan[] EffectiveRetrySchedule => RetrySchedule.Length > 0 ? RetrySchedule : DefaultRetrySchedule;

    /// <summary>The wait after the n-th failure (1-based).</summary>
    public TimeSpan DelayAfter(int failures) =>
        failures <= EffectiveRetrySchedule.Length ? EffectiveRetrySchedule[failures - 1] : RepeatEvery;
}

/// <summary>Section "Integrations": the dispatcher that fans events out and sends webhooks and e-mails.</summary>
public sealed class IntegrationOptions
{
    public const string Section = "Integrations";

    /// <summary>Run the dispatcher in this instance. Every instance may; the leases keep them apart.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>
    /// Deliveries (calls and e-mails) in flight from this instance. Calls to a receiver that answers at once take a
    /// millisecond or two of its own: at 1,000 events a second that is a handful in flight, but each batch also waits
    /// for its slowest call and for its reads and save, so there are several batches per endpoint.
    /// </summary>
    [Range(1, 1024)] public int MaxConcurrentDeliveries { get; set; } = 128;

    /// <summary>Calls one endpoint may have in flight from this instance, so a slow receiver cannot hold every slot.</summary>
    [Range(1, 1024)] public int MaxConcurrentPerEndpoint { get; set; } = 64;

    /// <summary>
    /// Outbox events fanned out together: read, turned into deliveries and saved with a fixed number of statements
    /// (at most one event per order is claimed at a time, so a batch never holds two of one order).
    /// </summary>
    [Range(1, 1000)] public int FanOutBatch { get; set; } = 200;

    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;

    [Range(1, 3600)] public int LeaseSeconds { get; set; } = 60;

    /// <summary>The address of the app in links (e-mails).</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";
}

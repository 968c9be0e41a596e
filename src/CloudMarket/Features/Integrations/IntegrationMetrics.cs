using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CloudMarket.Features.Integrations;

/// <summary>Delivery attempts by channel and outcome, and their duration, on the "CloudMarket.Integrations" meter.</summary>
public sealed class IntegrationMetrics : IDisposable
{
    public const string MeterName = "CloudMarket.Integrations";

    private readonly Meter _meter;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;

    public IntegrationMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _attempts = _meter.CreateCounter<long>("cloudmarket.delivery.attempts", description: "Webhook and e-mail delivery attempts, by channel and outcome.");
        _duration = _meter.CreateHistogram<double>("cloudmarket.delivery.duration", unit: "ms", description: "Time of one delivery attempt.");
    }

    public void Attempt(DeliveryChannel channel, bool succeeded, double milliseconds)
    {
        var tags = new TagList { { "channel", channel.ToString().ToLowerInvariant() }, { "outcome", succeeded ? "succeeded" : "failed" } };
        _attempts.Add(1, tags);
        _duration.Record(milliseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}

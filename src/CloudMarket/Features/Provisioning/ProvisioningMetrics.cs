using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Vendor call latency and outcomes, and how orders leave provisioning. Published on the
/// "CloudMarket.Provisioning" meter (dotnet-counters, OpenTelemetry) and kept as a running summary
/// for <c>GET /api/v1/ops/provisioning</c>.
/// </summary>
public sealed class ProvisioningMetrics : IDisposable
{
    public const string MeterName = "CloudMarket.Provisioning";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _settled;
    private readonly ConcurrentDictionary<(string Vendor, string Outcome), CallStats> _summary = new();

    public ProvisioningMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _calls = _meter.CreateCounter<long>("cloudmarket.vendor.calls", description: "Items sent to a vendor, by vendor and outcome.");
        _duration = _meter.CreateHistogram<double>("cloudmarket.vendor.call.duration", unit: "ms",
            description: "Time to the vendor's final word on one item, retries included.");
        _settled = _meter.CreateCounter<long>("cloudmarket.orders.provisioned", description: "Orders that left provisioning, by the status they reached.");
    }

    public void VendorCall(string vendor, string outcome, double milliseconds)
    {
        var tags = new TagList { { "vendor", vendor }, { "outcome", outcome } };
        _calls.Add(1, tags);
        _duration.Record(milliseconds, tags);
        _summary.GetOrAdd((vendor, outcome), _ => new CallStats()).Add(milliseconds);
    }

    public void OrderSettled(string status) => _settled.Add(1, new KeyValuePair<string, object?>("status", status));

    public IReadOnlyList<VendorCallSummary> Summary() =>
        _summary.OrderBy(s => s.Key.Vendor).ThenBy(s => s.Key.Outcome)
            .Select(s => s.Value.Snapshot(s.Key.Vendor, s.Key.Outcome)).ToList();

    public void Dispose() => _meter.Dispose();

    private sealed class CallStats
    {
        private readonly Lock _gate = new();
        private long _count;
        private double _total;
        private double _max;

        public void Add(double ms)
        {
            lock (_gate)
            {
                _count++;
                _total += ms;
                _max = Math.Max(_max, ms);
            }
        }

        public VendorCallSummary Snapshot(string vendor, string outcome)
        {
            lock (_gate)
                return new VendorCallSummary(vendor, outcome, _count, _count == 0 ? 0 : Math.Round(_total / _count, 1), Math.Round(_max, 1));
        }
    }
}

public sealed record VendorCallSummary(string Vendor, string Outcome, long Calls, double AverageMs, double MaxMs);

using System.Collections;
using System.Diagnostics;
using System.Net;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// integrations.md, Telemetry: one trace follows an order from the API request through the
/// provisioning job to the vendor calls and the webhook deliveries, tagged with the order number.
/// Spans go to an in-memory exporter.
/// </summary>
public sealed class TelemetryTests(TelemetryTests.TracedFactory app) : IClassFixture<TelemetryTests.TracedFactory>
{
    [Fact]
    public async Task OneOrdersTrace_LinksTheRequest_TheJob_TheVendorCall_AndTheWebhookDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.CreateWebhookAsync(receiver.Url, "order.completed");
        var id = await PlaceAsync(anna, "Traced", NewAcronis(1));
        await receiver.WaitForAsync(c => c.Of(id).Any(), "order.completed");
        // Listeners are process-wide: other test apps' spans land here too. Start from the call that reached
        // this test's own receiver and follow its trace.
        bool ToReceiver(Activity a) => a.Kind == ActivityKind.Client && (a.GetTagItem("url.full") as string)?.StartsWith(receiver.Url.ToString()) == true;
        // The call's span ends before its parent, the delivery's, which ends once the answer is recorded: wait for both.
        bool WithItsDelivery(List<Activity> s) => s.FirstOrDefault(ToReceiver) is { } call && s.Any(a => a.SpanId == call.ParentSpanId);
        var spans = await Eventually.WaitAsync(() => Task.FromResult(app.Spans.Snapshot()), WithItsDelivery, "the webhook call's span and its delivery's");
        var hook = spans.Single(ToReceiver);
        var delivery = spans.Single(a => a.SpanId == hook.ParentSpanId);
        Assert.Equal("webhook delivery", delivery.DisplayName);
        Assert.Equal(id, Tag(delivery));
        var trace = spans.Where(a => a.TraceId == delivery.TraceId).ToList();

        var requests = trace.Where(a => a.Kind == ActivityKind.Server && a.DisplayName.Contains("place")).ToList();
        Assert.True(requests.Count == 1, "place requests: " + string.Join("; ", requests.Select(Describe)));
        var request = requests[0];
        Assert.Equal(id, Tag(request));
        var job = trace.First(a => a.Source.Name == "CloudMarket.Provisioning");
        Assert.Equal(id, Tag(job));
        Assert.Equal(request.SpanId, job.ParentSpanId);
        Assert.Contains(job.Links, l => l.Context.SpanId == request.SpanId);

        var vendorCalls = trace.Where(a => a.Kind == ActivityKind.Client && a.Source.Name.StartsWith("System.Net.Http") && a != hook).ToList();
        Assert.NotEmpty(vendorCalls);
        Assert.Contains(vendorCalls, call => Ancestors(call, spans).Any(a => a.SpanId == job.SpanId));
    }

    private static string Describe(Activity a) =>
        $"{a.DisplayName} {a.TraceId}/{a.SpanId} parent {a.ParentSpanId} {string.Join(",", a.TagObjects.Select(t => $"{t.Key}={t.Value}"))}";

    private static long? Tag(Activity a) => a.GetTagItem(AppTelemetry.OrderNumberTag) switch
    {
        long l => l,
        string s when long.TryParse(s, out var l) => l,
        _ => null,
    };

    private static IEnumerable<Activity> Ancestors(Activity span, List<Activity> all)
    {
        for (var parent = all.FirstOrDefault(a => a.SpanId == span.ParentSpanId); parent is not null; parent = all.FirstOrDefault(a => a.SpanId == parent.ParentSpanId))
            yield return parent;
    }

    public sealed class TracedFactory : SqliteFactory
    {
        public LockedList Spans { get; } = new();

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(IntegrationSettings.Live()) { ["Telemetry:Enabled"] = "true" };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans)));
        }
    }

    /// <summary>The exporter adds from the app's threads while the test reads.</summary>
    public sealed class LockedList : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];
        public int Count { get { lock (_items) return _items.Count; } }
        public bool IsReadOnly => false;
        public void Add(Activity item) { lock (_items) _items.Add(item); }
        public void Clear() { lock (_items) _items.Clear(); }
        public bool Contains(Activity item) { lock (_items) return _items.Contains(item); }
        public void CopyTo(Activity[] array, int index) { lock (_items) _items.CopyTo(array, index); }
        public bool Remove(Activity item) { lock (_items) return _items.Remove(item); }
        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        /// <summary>A copy taken under the lock (ToList on the collection reads Count and then copies: a span added between the two broke it).</summary>
        public List<Activity> Snapshot() { lock (_items) return [.. _items]; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// The provisioning worker starts and settles a claimed batch of orders in one save each (docs/performance.md point 35):
/// every order's events still carry that order's own trace, and the subscription an order created is told as that
/// order's; an order changed while its items are out makes the save of the batch fail, and every order is then settled
/// alone. The worker is off here; the test claims the batch and hands it to the provisioner as the worker would.
/// </summary>
public sealed class BatchedProvisioningTraceTests(BatchedProvisioningTraceTests.TracedFactoryWithoutWorker app)
    : IClassFixture<BatchedProvisioningTraceTests.TracedFactoryWithoutWorker>
{
    [Fact]
    public async Task OrdersProvisionedInOneBatch_KeepTheirOwnTraces_AndTheirOwnSubscriptionEvents()
    {
        var (anna, ids, batch) = await PlaceThreeAndClaimThemAsync("Batched");

        await app.Services.GetRequiredService<OrderProvisioner>().ProcessAsync(batch, "test", CancellationToken.None);

        foreach (var id in ids)
            Assert.Equal("completed", (await anna.GetJsonAsync($"/api/v1/orders/{id}")).GetProperty("status").GetString());
        var (events, items) = await app.WithDbAsync(async db => (
            await db.Set<IntegrationEvent>().Where(e => e.OrderId != null && ids.Contains(e.OrderId.Value)).ToListAsync(),
            await db.OrderItems.Where(i => ids.Contains(i.OrderId)).ToListAsync()));
        foreach (var job in batch)
        {
            // Placed in its own request, whose trace the job stored: all of the order's events are in that trace.
            var own = events.Where(e => e.OrderId == job.OrderId).ToList();
            Assert.Contains(own, e => e.Type == "order.completed");
            Assert.All(own, e => Assert.Equal(TraceId(job.TraceParent), TraceId(e.TraceParent)));
            var created = Assert.Single(own, e => e.SubscriptionId is not null);
            Assert.Equal(Assert.Single(items, i => i.OrderId == job.OrderId).SubscriptionId, created.SubscriptionId);
        }
        Assert.Equal(3, events.Select(e => TraceId(e.TraceParent)).Distinct().Count());
    }

    [Fact]
    public async Task AnOrderOfTheBatchChangedWhileWithTheVendors_FailsTheSaveTogether_AndEveryOrderIsSettledAlone()
    {
        var (anna, ids, batch) = await PlaceThreeAndClaimThemAsync("Noted");

        var provisioning = app.Services.GetRequiredService<OrderProvisioner>().ProcessAsync(batch, "test", CancellationToken.None);
        // The vendor takes its time (the fixture's 700 ms): the middle order gets a note while its items are out.
        await Eventually.WaitAsync(() => anna.GetJsonAsync($"/api/v1/orders/{ids[1]}"),
            o => o.GetProperty("status").GetString() == "provisioningStarted", "the batch sent to the vendor");
        await anna.PutJsonAsync($"/api/v1/orders/{ids[1]}/note", new { text = "Changed meanwhile" }, HttpStatusCode.OK);
        await provisioning;

        // Should one not complete, the jobs' last errors say why.
        var lastErrors = string.Join(" | ", await app.WithDbAsync(db => db.ProvisioningJobs.Where(j => ids.Contains(j.OrderId))
            .Select(j => j.OrderId + ": " + j.LastError).ToListAsync()));
        foreach (var id in ids)
            Assert.True((await anna.GetJsonAsync($"/api/v1/orders/{id}")).GetProperty("status").GetString() == "completed", lastErrors);
        Assert.Equal("Changed meanwhile", (await anna.GetJsonAsync($"/api/v1/orders/{ids[1]}")).GetProperty("note").GetString());
        var (events, jobs) = await app.WithDbAsync(async db => (
            await db.Set<IntegrationEvent>().Where(e => e.OrderId == ids[1]).OrderBy(e => e.Id).Select(e => e.Type).ToListAsync(),
            await db.ProvisioningJobs.Where(j => ids.Contains(j.OrderId)).ToListAsync()));
        // The note was saved between the batch's start and its settling: the save of the three did meet it.
        Assert.True(events.IndexOf(EventTypes.OrderNoteChanged) < events.IndexOf(EventTypes.OrderCompleted), string.Join(", ", events));
        Assert.All(jobs, j => Assert.NotNull(j.CompletedAt));
    }

    /// <summary>Three orders placed by the seller for Fabrikam, and their jobs claimed as one batch, as the worker would.</summary>
    private async Task<(HttpClient Seller, List<long> Ids, IReadOnlyList<ClaimedJob> Batch)> PlaceThreeAndClaimThemAsync(string name)
    {
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var ids = new List<long>();
        for (var n = 1; n <= 3; n++)
            ids.Add(await PlaceAsync(seller, $"{name} {n}", NewAcronis(n)));
        var batch = await app.WithDbAsync(db => ProvisioningJobQueue.ClaimAsync(db, "test", 10, DateTime.UtcNow, TimeSpan.FromMinutes(2), CancellationToken.None));
        Assert.Equal(ids, batch.Select(j => j.OrderId).Order());
        return (seller, ids, batch);
    }

    /// <summary>The trace id of a W3C traceparent (<c>00-traceid-spanid-flags</c>).</summary>
    private static string? TraceId(string? traceParent) => traceParent?.Split('-')[1];

    public sealed class TracedFactoryWithoutWorker : SqliteFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(IntegrationSettings.Live())
        {
            ["Telemetry:Enabled"] = "true",
            ["Provisioning:WorkerEnabled"] = "false",
            // Long enough for a test to change an order while its items are with the vendor, within the 1-s attempt timeout.
            ["VendorSandbox:Faults:LatencyMs"] = "700",
        };
    }
}

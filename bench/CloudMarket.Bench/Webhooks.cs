using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Bench;

/// <summary>
/// Webhook delivery throughput (quality.md: ≥ 1,000 events/s to a receiver that answers at once): a receiver
/// on loopback that answers 200 at once, registered as the seller admin's endpoint for every event; then a
/// burst of <c>order.completed</c> events, one per order of the seller's customers, written into the
/// integration outbox in one transaction as the app's own changes would write them. The app's dispatcher
/// fans them out (each body is the order as the API shows it) and delivers them; the figure is distinct
/// events received per second, from the commit of the burst to the last one received. Before the burst the
/// outbox is left to drain (the events and e-mails of the place → completed step), so the figure is the
/// burst's own; beside it the CPU the app and PostgreSQL's backends spent per event from the commit to the
/// last arrival (<c>/proc</c>), and PostgreSQL's statements per event when <c>pg_stat_statements</c> is loaded.
/// A first burst of other orders' events, not counted, warms the path up.
/// </summary>
public static class Webhooks
{
    public static async Task<object> RunAsync(Scenarios s, Options opt, int events)
    {
        var port = AppRunner.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        // Arrival of each event id (the first time); other events (e.g. of orders placed meanwhile) are not counted.
        var received = new ConcurrentDictionary<string, TimeSpan>();
        var deliveries = 0;
        var clock = Stopwatch.StartNew();
        var receiving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext call;
                try { call = await listener.GetContextAsync(); }
                catch (Exception) when (!listener.IsListening) { break; }
                _ = Task.Run(async () =>
                {
                    await call.Request.InputStream.CopyToAsync(Stream.Null);
                    Interlocked.Increment(ref deliveries);
                    if (call.Request.Headers["CloudMarket-Event-Id"] is { } id)
                        received.TryAdd(id, clock.Elapsed);
                    call.Response.StatusCode = 200;
                    call.Response.Close();
                });
            }
        });

        using var register = s.Request(HttpMethod.Post, "/api/v1/webhooks", asSeller: true, onBehalf: false);
        register.Content = JsonContent.Create(new { url = $"http://127.0.0.1:{port}/hook", events = new[] { "*" }, description = "benchmark receiver" });
        long endpointId;
        using (var registered = await s.Http.SendAsync(register))
        {
            if (!registered.IsSuccessStatusCode)
                throw new InvalidOperationException($"Registering the webhook: {(int)registered.StatusCode} {await registered.Content.ReadAsStringAsync()}");
            endpointId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        }

        await using var db = Scenarios.Context(opt);
        var drained = Stopwatch.StartNew();
        while (drained.Elapsed < TimeSpan.FromSeconds(120)
               && (await db.Set<IntegrationEvent>().AnyAsync(e => e.DispatchedAt == null) || await db.Set<Delivery>().AnyAsync(d => d.CompletedAt == null)))
            await Task.Delay(200);
        var backlogSeconds = Math.Round(drained.Elapsed.TotalSeconds, 1);
        var customers = db.Organizations.Where(o => o.ParentId == DemoData.Contoso).Select(o => o.Id);
        // Twice as many orders as events: the first burst, not counted, warms the fan-out and delivery code up (tiered
        // compilation re-compiles it over its first minute of work, docs/performance.md point 15); the second is measured.
        var orders = await db.Orders.AsNoTracking()
            .Where(o => customers.Contains(o.CustomerId) && !o.IsMarkupOnly && o.Status == OrderStatus.Completed)
            .OrderByDescending(o => o.Id).Take(2 * events).Select(o => new { o.Id, o.CustomerId }).ToListAsync();

        async Task<(List<TimeSpan> Arrived, double Seconds, CpuShare Spent, long? Statements)> BurstAsync(IEnumerable<(long Id, Guid CustomerId)> of)
        {
            var now = DateTime.UtcNow;
            var burst = of.Select(o => new IntegrationEvent(EventTypes.OrderCompleted, o.CustomerId, o.Id, null, null, false, now, null)).ToList();
            db.Set<IntegrationEvent>().AddRange(burst);
            var counting = await PgStatements.ResetAsync(db);
            var cpu = CpuMeter.Read();
            await db.SaveChangesAsync();
            var committed = clock.Elapsed;

            var ids = burst.Select(e => e.EventId).ToList();
            int Arrived() => ids.Count(received.ContainsKey);
            var deadline = committed + TimeSpan.FromSeconds(180);
            while (Arrived() < ids.Count && clock.Elapsed < deadline)
                await Task.Delay(50);
            var spent = CpuMeter.Read().Since(cpu);
            // Less the burst's own inserts.
            var statements = counting ? await PgStatements.CountAsync(db) - ids.Count : (long?)null;
            var arrived = ids.Where(received.ContainsKey).Select(id => received[id]).ToList();
            return (arrived, arrived.Count == 0 ? 0 : (arrived.Max() - committed).TotalSeconds, spent, statements);
        }

        var warmUp = await BurstAsync(orders.Skip(events).Select(o => (o.Id, o.CustomerId)));
        Console.WriteLine($"  warm-up burst: {warmUp.Arrived.Count} events in {warmUp.Seconds:0.0} s, {warmUp.Spent.Per(warmUp.Arrived.Count)}");
        var deliveriesBefore = Volatile.Read(ref deliveries);
        var (arrived, seconds, spent, statements) = await BurstAsync(orders.Take(events).Select(o => (o.Id, o.CustomerId)));
        // The endpoint goes with its receiver: left behind, every later step's events (the searches after placing, the place
        // run at 200 ms vendor latency) were fanned out to a dead address and retried, which that step's figure then carried
        // (docs/performance.md point 33).
        using (var unregister = s.Request(HttpMethod.Delete, $"/api/v1/webhooks/{endpointId}", asSeller: true, onBehalf: false))
        using (var unregistered = await s.Http.SendAsync(unregister))
            if (!unregistered.IsSuccessStatusCode)
                throw new InvalidOperationException($"Removing the webhook: {(int)unregistered.StatusCode} {await unregistered.Content.ReadAsStringAsync()}");
        listener.Stop();
        var result = new
        {
            events = Math.Min(events, orders.Count), received = arrived.Count, deliveries = Volatile.Read(ref deliveries) - deliveriesBefore, seconds = Math.Round(seconds, 1),
            eventsPerSecond = seconds > 0 ? Math.Round(arrived.Count / seconds, 1) : 0,
            backlogSeconds,
            // The receiver is in the driver's process: its CPU is the driver's share.
            cpuMsPerEvent = spent.Per(arrived.Count),
            statementsPerEvent = statements is { } n ? Math.Round((double)n / Math.Max(1, arrived.Count), 1) : (double?)null,
            warmUpEventsPerSecond = warmUp.Seconds > 0 ? Math.Round(warmUp.Arrived.Count / warmUp.Seconds, 1) : 0,
            loadAverage = Load.LoadAverage(),
        };
        Console.WriteLine($"  {result}");
        return result;
    }
}

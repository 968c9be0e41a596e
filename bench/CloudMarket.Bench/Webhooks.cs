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
/// events received per second, from the commit of the burst to the last one received.
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
        using (var registered = await s.Http.SendAsync(register))
            if (!registered.IsSuccessStatusCode)
                throw new InvalidOperationException($"Registering the webhook: {(int)registered.StatusCode} {await registered.Content.ReadAsStringAsync()}");

        await using var db = Scenarios.Context(opt);
        var customers = db.Organizations.Where(o => o.ParentId == DemoData.Contoso).Select(o => o.Id);
        var orders = await db.Orders.AsNoTracking()
            .Where(o => customers.Contains(o.CustomerId) && !o.IsMarkupOnly && o.Status == OrderStatus.Completed)
            .OrderByDescending(o => o.Id).Take(events).Select(o => new { o.Id, o.CustomerId }).ToListAsync();
        var now = DateTime.UtcNow;
        var burst = orders.Select(o => new IntegrationEvent(EventTypes.OrderCompleted, o.CustomerId, o.Id, null, null, false, now, null)).ToList();
        db.Set<IntegrationEvent>().AddRange(burst);
        await db.SaveChangesAsync();
        var committed = clock.Elapsed;

        var ids = burst.Select(e => e.EventId).ToList();
        int Arrived() => ids.Count(received.ContainsKey);
        var deadline = committed + TimeSpan.FromSeconds(180);
        while (Arrived() < ids.Count && clock.Elapsed < deadline)
            await Task.Delay(50);
        listener.Stop();
        var arrived = ids.Where(received.ContainsKey).Select(id => received[id]).ToList();
        var seconds = arrived.Count == 0 ? 0 : (arrived.Max() - committed).TotalSeconds;
        var result = new
        {
            events = ids.Count, received = arrived.Count, deliveries, seconds = Math.Round(seconds, 1),
            eventsPerSecond = seconds > 0 ? Math.Round(arrived.Count / seconds, 1) : 0,
            loadAverage = Load.LoadAverage(),
        };
        Console.WriteLine($"  {result}");
        return result;
    }
}

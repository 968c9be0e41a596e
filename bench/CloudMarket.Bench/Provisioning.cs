using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Bench;

/// <summary>
/// Place → completed: clients create and place one-item orders for a fixed time while the app's
/// worker provisions them with the vendor sandbox and its dispatcher mails them to the driver's relay (<see cref="MailRelay"/>);
/// the figure is orders completed per second from the first placement to the last completion. Rounds first, not counted, warm the path up for 90 s
/// and until the app's CPU per order stops falling: the app has just started, or has only served lists, and tiered
/// compilation re-compiles the placing and provisioning code for its first minute or more (docs/performance.md,
/// point 15: the JIT took 3–3.6 s of CPU in every 5 s for the first ~95 s of placing, then nothing).
/// </summary>
public static class Provisioning
{
    private static readonly OrderStatus[] Final = [OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed];

    public static async Task<object> RunAsync(AppRunner app, Scenarios s, Options opt, int vendorLatencyMs)
    {
        await app.SetVendorLatencyAsync(vendorLatencyMs);
        var warmUp = await WarmUpAsync(s, opt);

        await using var db = Scenarios.Context(opt);
        var counting = await PgStatements.ResetAsync(db);
        var autovacuum = AutovacuumWatch.Start(opt.Provider == "Postgres" ? opt.ConnectionString : null);
        var started = Stopwatch.StartNew();
        var cpu = CpuMeter.Read();
        var mails = MailRelay.Received;
        var (ids, errors) = await PlaceAsync(s, opt, TimeSpan.FromSeconds(opt.PlaceSeconds));
        var placing = started.Elapsed.TotalSeconds;
        var done = await CompletedAsync(opt, ids, started, TimeSpan.FromSeconds(opt.PlaceSeconds + 300));
        var total = started.Elapsed.TotalSeconds;
        // Everything an order cost until it completed: both requests, the worker, the sandbox, the events and
        // their e-mails (the dispatcher may still be fanning out the last ones: a little is left out), and the
        // driver's own polling for completion.
        var perOrder = CpuMeter.Read().Since(cpu).Per(done);
        // The e-mails the relay accepted in the same time (the warm-up's last ones among them, this step's last left out).
        var mailsPerOrder = done > 0 ? Math.Round((double)(MailRelay.Received - mails) / done, 2) : 0;
        var vacuumed = await autovacuum.StopAsync();
        // The same for PostgreSQL's statements (the driver's polling for completion, one every 100 ms, among them).
        double? statementsPerOrder = counting && done > 0 ? Math.Round((double)await PgStatements.CountAsync(db) / done, 1) : null;
        var result = new
        {
            vendorLatencyMs, clients = opt.Clients, placed = ids.Count, completed = done, errors,
            placedPerSecond = Math.Round(ids.Count / placing, 1),
            completedPerSecond = Math.Round(done / total, 1),
            seconds = Math.Round(total, 1),
            cpuMsPerOrder = perOrder,
            mailsPerOrder,
            statementsPerOrder,
            // What autovacuum worked on in these seconds: its CPU is in PostgreSQL's per order above (point 39).
            autovacuumDuring = vacuumed,
            warmUp,
            loadAverage = Load.LoadAverage(),
        };
        Console.WriteLine($"  {result}");
        Console.WriteLine($"  autovacuum during the step: {(vacuumed.Count == 0 ? "none" : string.Join(", ", vacuumed))}");
        return result;
    }

    /// <summary>
    /// The shortest warm-up: tiered compilation kept re-compiling the placing path for ~95 s from its first order
    /// (point 15), and 5-s rounds are too noisy to see the end of it alone.
    /// </summary>
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromSeconds(90);

    /// <summary>The longest warm-up, in rounds.</summary>
    private const int MaxWarmUpRounds = 40;

    /// <summary>
    /// Uncounted rounds for at least <see cref="MinWarmUp"/> and until the app's CPU per order has fallen by less than a
    /// tenth twice in a row (at most
    /// <see cref="MaxWarmUpRounds"/>); each round's app CPU per order, so the report shows the warm-up it took.
    /// </summary>
    private static async Task<object> WarmUpAsync(Scenarios s, Options opt)
    {
        var round = TimeSpan.FromSeconds(Math.Max(5, opt.PlaceSeconds / 2));
        var appMsPerOrder = new List<double>();
        var clock = Stopwatch.StartNew();
        while (appMsPerOrder.Count < MaxWarmUpRounds)
        {
            var cpu = CpuMeter.Read();
            var (ids, _) = await PlaceAsync(s, opt, round);
            var done = await CompletedAsync(opt, ids, Stopwatch.StartNew(), TimeSpan.FromMinutes(5));
            appMsPerOrder.Add(Math.Round(CpuMeter.Read().Since(cpu).AppMs / Math.Max(1, done), 1));
            if (clock.Elapsed >= MinWarmUp && appMsPerOrder.Count >= 3 && appMsPerOrder[^1] > 0.9 * appMsPerOrder[^2] && appMsPerOrder[^2] > 0.9 * appMsPerOrder[^3]) break;
        }
        Console.WriteLine($"  warm-up: {clock.Elapsed.TotalSeconds:0} s, app CPU ms per order by round: {string.Join(", ", appMsPerOrder)}");
        return new { seconds = Math.Round(clock.Elapsed.TotalSeconds), appCpuMsPerOrderByRound = appMsPerOrder };
    }

    /// <summary>Clients creating and placing orders for the given time; the ids placed and the failed requests.</summary>
    private static async Task<(List<long> Ids, int Errors)> PlaceAsync(Scenarios s, Options opt, TimeSpan duration)
    {
        var ids = new ConcurrentBag<long>();
        var errors = 0;
        var started = Stopwatch.StartNew();
        var item = new
        {
            kind = "newSubscription", offerId = DemoData.OfferIds.AcronisProtect, quantity = 3, billingCycle = "monthly", addons = Array.Empty<object>(),
            adminContact = new { email = "it@fabrikam.example", firstName = "Ida", lastName = "Lund" },
        };
        await Task.WhenAll(Enumerable.Range(0, opt.Clients).Select(_ => Task.Run(async () =>
        {
            while (started.Elapsed < duration)
            {
                using var create = s.Request(HttpMethod.Post, "/api/v1/orders", asSeller: true);
                create.Content = JsonContent.Create(new { items = new[] { item } });
                using var created = await s.Http.SendAsync(create);
                if (!created.IsSuccessStatusCode) { Interlocked.Increment(ref errors); continue; }
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
                using var place = s.Request(HttpMethod.Post, $"/api/v1/orders/{id}/place", asSeller: true);
                using var placed = await s.Http.SendAsync(place);
                if (placed.IsSuccessStatusCode) ids.Add(id); else Interlocked.Increment(ref errors);
            }
        })));
        return (ids.ToList(), errors);
    }

    /// <summary>Waits until every order given has ended (or the time is up); how many have.</summary>
    private static async Task<int> CompletedAsync(Options opt, List<long> ids, Stopwatch clock, TimeSpan limit)
    {
        await using var db = Scenarios.Context(opt);
        var done = 0;
        while (clock.Elapsed < limit)
        {
            done = 0;
            foreach (var chunk in ids.Chunk(5000))
                done += await db.Orders.AsNoTracking().CountAsync(o => chunk.Contains(o.Id) && Final.Contains(o.Status));
            if (done == ids.Count) break;
            await Task.Delay(100);
        }
        return done;
    }
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Bench;

/// <summary>
/// Place → completed: clients create and place one-item orders for a fixed time while the app's
/// worker provisions them with the in-process vendor sandbox; the figure is orders completed per
/// second from the first placement to the last completion.
/// </summary>
public static class Provisioning
{
    public static async Task<object> RunAsync(string baseUrl, Scenarios s, Options opt, int vendorLatencyMs)
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<long>();
        var errors = 0;
        var started = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(opt.PlaceSeconds);
        var item = new
        {
            kind = "newSubscription", offerId = DemoData.OfferIds.AcronisProtect, quantity = 3, billingCycle = "monthly", addons = Array.Empty<object>(),
            adminContact = new { email = "it@fabrikam.example", firstName = "Ida", lastName = "Lund" },
        };
        await Task.WhenAll(Enumerable.Range(0, opt.Clients).Select(_ => Task.Run(async () =>
        {
            while (started.Elapsed < deadline)
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
        var placing = started.Elapsed.TotalSeconds;
        var list = ids.ToList();
        await using var db = Scenarios.Context(opt);
        var final = new[] { OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed };
        var done = 0;
        while (started.Elapsed < TimeSpan.FromSeconds(opt.PlaceSeconds + 300))
        {
            done = 0;
            foreach (var chunk in list.Chunk(5000))
                done += await db.Orders.AsNoTracking().CountAsync(o => chunk.Contains(o.Id) && final.Contains(o.Status));
            if (done == list.Count) break;
            await Task.Delay(100);
        }
        var total = started.Elapsed.TotalSeconds;
        var result = new
        {
            vendorLatencyMs, clients = opt.Clients, placed = list.Count, completed = done, errors,
            placedPerSecond = Math.Round(list.Count / placing, 1),
            completedPerSecond = Math.Round(done / total, 1),
            seconds = Math.Round(total, 1),
            loadAverage = Load.LoadAverage(),
        };
        Console.WriteLine($"  {result}");
        return result;
    }
}

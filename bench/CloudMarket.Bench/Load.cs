using System.Diagnostics;
using System.Globalization;

namespace CloudMarket.Bench;

public sealed record LoadResult(string Name, int Clients, double Seconds, int Requests, int Errors, double RequestsPerSecond,
    double P50Ms, double P99Ms, double ServerP50Ms, double ServerP99Ms, string LoadAverage, CpuShare CpuMsPerRequest);

/// <summary>
/// A closed-loop HTTP load driver: <c>clients</c> workers, each sending its next request as soon as
/// the previous answer was read to its end, for a fixed time. Latency at the client and at the
/// server (the app's Server-Timing header) are both kept.
/// </summary>
public static class Load
{
    public static async Task<LoadResult> RunAsync(HttpClient http, string name, Func<long, HttpRequestMessage> request, int clients, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sequence = 0;
        var errors = 0;
        var perWorker = new List<(double Client, double Server)>[clients];
        var started = Stopwatch.StartNew();
        var cpu = CpuMeter.Read();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            var mine = perWorker[w] = new List<(double, double)>(4096);
            var buffer = new byte[81920];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                try
                {
                    if (await SendAsync(http, request(Interlocked.Increment(ref sequence)), buffer) is { } times) mine.Add(times);
                    else Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref errors); }
            }
        })));
        var seconds = started.Elapsed.TotalSeconds;
        var spent = CpuMeter.Read().Since(cpu);
        var all = perWorker.SelectMany(l => l).ToList();
        var clientMs = all.Select(x => x.Client).Order().ToArray();
        var serverMs = all.Select(x => x.Server).Order().ToArray();
        var result = new LoadResult(name, clients, Math.Round(seconds, 1), all.Count, errors, Math.Round(all.Count / seconds, 0),
            Pct(clientMs, 0.50), Pct(clientMs, 0.99), Pct(serverMs, 0.50), Pct(serverMs, 0.99), LoadAverage(),
            spent.Per(all.Count + errors));
        Console.WriteLine($"  {name,-44} c={clients,-2} {result.RequestsPerSecond,6} req/s  p50 {result.P50Ms,6} ms  p99 {result.P99Ms,7} ms  " +
                          $"server p50 {result.ServerP50Ms,6} p99 {result.ServerP99Ms,7}  errors {errors}  load {result.LoadAverage}  {result.CpuMsPerRequest}");
        return result;
    }

    public static double Pct(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);

    /// <summary>
    /// One client for <paramref name="duration"/>: each successful answer's time at the server (its Server-Timing), in
    /// the order they came; for figures taken in alternating slices with another measurement.
    /// </summary>
    public static async Task<List<double>> ServerTimesAsync(HttpClient http, Func<long, HttpRequestMessage> request, TimeSpan duration)
    {
        var times = new List<double>(4096);
        var buffer = new byte[81920];
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (long i = 1; Stopwatch.GetTimestamp() < deadline; i++)
            if (await SendAsync(http, request(i), buffer) is { } answered) times.Add(answered.Server);
        return times;
    }

    /// <summary>One request, its answer read to its end: its time at the client and at the server, or null if it failed.</summary>
    private static async Task<(double Client, double Server)?> SendAsync(HttpClient http, HttpRequestMessage message, byte[] buffer)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var sent = message;
        using var response = await http.SendAsync(sent, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        while (await body.ReadAsync(buffer) > 0) { }
        var client = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return response.IsSuccessStatusCode ? (client, ServerTiming(response)) : null;
    }

    private static double ServerTiming(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Server-Timing", out var values)) return double.NaN;
        var value = values.First();
        var at = value.IndexOf("dur=", StringComparison.Ordinal);
        return at < 0 ? double.NaN : double.Parse(value.AsSpan(at + 4).ToString().Split(';', ',')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The machine's 1-minute load average: the machine is shared, every figure is read beside it.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}

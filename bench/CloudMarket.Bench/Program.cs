using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Bench;
using CloudMarket.Data;
using Npgsql;

// ./bench.sh drives this: it owns PostgreSQL; this program owns the app process, the data and the load.
var opt = Options.Parse(args);
Directory.CreateDirectory(opt.Out);
var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HHmm'Z'", System.Globalization.CultureInfo.InvariantCulture);
var logFile = Path.Combine(opt.Out, $"{stamp}-app.log");
var report = new Dictionary<string, object?>
{
    ["startedAt"] = DateTime.UtcNow,
    ["provider"] = opt.Provider,
    ["orders"] = opt.Orders,
    ["machine"] = Machine.Describe(),
    ["loadAverageAtStart"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?",
    ["command"] = Environment.CommandLine,
};

if (args.Contains("--sql-only"))
{
    // Only each list's SQL and plan, on a database a run left behind (e.g. to check a query change).
    var only = new Scenarios("http://127.0.0.1", opt);
    await only.PrepareAsync();
    foreach (var r in await SqlTimer.RunAllAsync(opt.ConnectionString, only, TimeSpan.FromSeconds(opt.LatencySeconds), withApi: false))
        if (args.Contains("--plans")) Console.WriteLine(r.Plan + "\n");
    return;
}

var settings = new Dictionary<string, string>
{
    ["Database__Provider"] = opt.Provider,
    ["Provisioning__WorkerEnabled"] = "true",
};
if (opt.Provider == "Postgres") settings["ConnectionStrings__Postgres"] = opt.ConnectionString;
else settings["ConnectionStrings__Sqlite"] = $"Data Source={opt.SqliteFile}";
// --app-env KEY=VALUE (repeatable): a setting or runtime knob for the app's processes, to compare one against the default.
for (var i = Array.IndexOf(args, "--app-env"); i >= 0 && i + 1 < args.Length; i = Array.IndexOf(args, "--app-env", i + 2))
    if (args[i + 1].Split('=', 2) is [var key, var value]) settings[key] = value;
if (settings.Count > 3) report["appEnvironment"] = settings.Where(s => s.Key is not ("ConnectionStrings__Postgres" or "ConnectionStrings__Sqlite")).ToDictionary();

if (opt.Provider == "Postgres") await CpuMeter.AttachPostgresAsync(opt.ConnectionString);
Console.WriteLine($"Starting the app ({opt.Provider}) to create the schema and the demo users…");
var app = await AppRunner.StartAsync(opt.AppDll, settings, logFile);
try
{
    Console.WriteLine($"Generating {opt.Orders:N0} orders…");
    var genSeconds = opt.Provider == "Postgres"
        ? await Generator.GenerateAsync(opt.ConnectionString, opt.Orders)
        : await SqliteGenerator.GenerateAsync(opt.SqliteFile, opt.Orders);
    Console.WriteLine($"  generated in {genSeconds:0.0} s");
    report["generateSeconds"] = Math.Round(genSeconds, 1);

    // A fresh app process on the finished data set (no plan or cache from the empty database).
    await app.DisposeAsync();
    app = await AppRunner.StartAsync(opt.AppDll, settings, logFile);

    var scenarios = new Scenarios(app.BaseUrl, opt);
    await scenarios.SignInAsync();
    await scenarios.PrepareAsync();
    if (args.Contains("--no-lists"))
    {
        // Only the overview, place → completed and webhooks on the generated data (to look into one of them).
        Console.WriteLine("Needs attention, 1 client:");
        var attention = scenarios.All.Single(x => x.Name.StartsWith("needs attention", StringComparison.Ordinal));
        await scenarios.RunAsync(attention, 1, TimeSpan.FromSeconds(opt.LatencySeconds));
        Console.WriteLine($"  memory (MB, peak / resident): {app.Memory()}");
        await SearchesAsync(scenarios, "before placing");
        Console.WriteLine("Place → completed, no vendor latency:");
        await Provisioning.RunAsync(app, scenarios, opt, 0);
        Console.WriteLine($"  memory (MB, peak / resident): {app.Memory()}");
        Console.WriteLine("Webhooks:");
        await Webhooks.RunAsync(scenarios, opt, opt.WebhookEvents);
        Console.WriteLine($"  memory (MB, peak / resident): {app.Memory()}");
        await SearchesAsync(scenarios, "after placing");
        Console.WriteLine("Place → completed, 200 ms vendor latency:");
        await Provisioning.RunAsync(app, scenarios, opt, 200);
        return;
    }
    Console.WriteLine("Warming up (JIT, pools, caches)…");
    await scenarios.WarmUpAsync(TimeSpan.FromSeconds(opt.WarmUpSeconds));
    if (Array.IndexOf(args, "--only") is var o and >= 0 && o + 1 < args.Length)
    {
        // Only the rows whose names start with this, at 1 and 16 clients, three times over: to compare two builds on the
        // (deterministic) data set, run after run. No report is written.
        for (var round = 1; round <= 3; round++)
            foreach (var s in scenarios.All.Where(s => s.Name.StartsWith(args[o + 1], StringComparison.Ordinal)))
                foreach (var clients in new[] { 1, opt.Clients })
                    await scenarios.RunAsync(s, clients, TimeSpan.FromSeconds(opt.Seconds));
        return;
    }
    Console.WriteLine("Lists, search, detail, export (1 client, then " + opt.Clients + " clients):");
    var http = await scenarios.RunAllAsync();
    report["http"] = http;
    report["memoryAfterReadsMb"] = app.Memory();

    if (opt.Provider == "Postgres")
    {
        Console.WriteLine("The lists' own SQL, prepared, beside their API, 1 client, in alternating slices:");
        report["sql"] = await SqlTimer.RunAllAsync(opt.ConnectionString, scenarios, TimeSpan.FromSeconds(2 * opt.LatencySeconds), withApi: true);
    }

    if (opt.Provider == "Postgres" && ScaleOut.Instances(args) > 1)
    {
        report["scaleOut"] = await ScaleOut.RunAsync(app, scenarios, opt, settings, logFile, ScaleOut.Instances(args), ScaleOut.Replica(args));
        report["replicaTransactions"] = ScaleOut.ReplicaTransactions;
    }

    Console.WriteLine("Place → completed, no vendor latency:");
    var place = new List<object> { await Provisioning.RunAsync(app, scenarios, opt, 0) };
    Console.WriteLine("Webhook deliveries:");
    report["webhooks"] = await Webhooks.RunAsync(scenarios, opt, opt.WebhookEvents);
    report["memoryAfterProvisioningMb"] = app.Memory();
    report["searchesAfterPlacing"] = await SearchesAsync(scenarios, "after placing");
    // The same running app, the vendor made slow (AppRunner.SetVendorLatencyAsync says why not a fresh process).
    Console.WriteLine("Place → completed, 200 ms vendor latency:");
    place.Add(await Provisioning.RunAsync(app, scenarios, opt, 200));
    report["placeToCompleted"] = place;
}
finally
{
    await app.DisposeAsync();
}

report["finishedAt"] = DateTime.UtcNow;

// The searches with one client; run again once thousands of orders and items have been written since the indexes were
// built: a GIN index's pending list had made them several times slower by then (docs/performance.md, point 21).
async Task<List<LoadResult>> SearchesAsync(Scenarios scenarios, string when)
{
    Console.WriteLine($"Searches {when} (1 client):");
    var results = new List<LoadResult>();
    foreach (var s in scenarios.All.Where(s => s.Filter?.Search is not null))
        results.Add(await scenarios.RunAsync(s, 1, TimeSpan.FromSeconds(opt.LatencySeconds)));
    return results;
}

var file = Path.Combine(opt.Out, $"{stamp}-{opt.Provider.ToLowerInvariant()}-{opt.Orders}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"Results: {file}");
var markdown = Report.Markdown(report);
await File.WriteAllTextAsync(Path.ChangeExtension(file, ".md"), markdown);
if (opt.Docs is not null) Report.UpdateDocs(opt.Docs, opt.Provider, opt.Orders, markdown);

namespace CloudMarket.Bench
{
    public sealed record Options(string Provider, string ConnectionString, string SqliteFile, int Orders, string AppDll, string Out, string? Docs,
        int Clients, int Seconds, int LatencySeconds, int WarmUpSeconds, int PlaceSeconds, int WebhookEvents)
    {
        public static Options Parse(string[] args)
        {
            string Get(string name, string fallback)
            {
                var i = Array.IndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
            }
            return new Options(Get("--provider", "Postgres"), Get("--pg", ""), Get("--sqlite", "/tmp/cloudmarket-bench.db"),
                int.Parse(Get("--orders", "1000000")), Get("--app", "publish/CloudMarket.dll"), Get("--out", "bench-results"),
                args.Contains("--no-docs") ? null : Get("--docs", "docs/performance.md"),
                int.Parse(Get("--clients", "16")), int.Parse(Get("--seconds", "8")), int.Parse(Get("--latency-seconds", "4")),
                int.Parse(Get("--warmup", "20")), int.Parse(Get("--place-seconds", "10")), int.Parse(Get("--webhook-events", "10000")));
        }
    }

    public static class Machine
    {
        public static object Describe() => new
        {
            cpus = Environment.ProcessorCount,
            cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() : null,
            memoryMb = File.Exists("/proc/meminfo") ? long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024 : 0,
            os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            dotnet = Environment.Version.ToString(),
        };
    }
}

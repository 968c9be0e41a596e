using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace CloudMarket.Bench;

/// <summary>The app under test as its own process (the published Release build), on a free loopback port.</summary>
public sealed class AppRunner : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Process _sandbox;
    private readonly string _sandboxUrl;
    private readonly string _sandboxKey;
    public string BaseUrl { get; }
    public int Pid => _process.Id;

    private AppRunner(Process process, Process sandbox, string baseUrl, string sandboxUrl, string sandboxKey)
    {
        _process = process;
        _sandbox = sandbox;
        BaseUrl = baseUrl;
        _sandboxUrl = sandboxUrl;
        _sandboxKey = sandboxKey;
    }

    public static async Task<AppRunner> StartAsync(string appDll, IDictionary<string, string> settings, string logFile)
    {
        var port = FreePort();
        // Redirected and logged by StartLogged, as the sandbox's.
        var info = new ProcessStartInfo("dotnet", [appDll]) { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(appDll))! };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_TieredPGO"] = "1";
        // The benchmark's clients are few users sending thousands of requests a second: the per-user
        // API limit and the sign-in limit (both security features, both measured elsewhere) are lifted.
        info.Environment["Security__ApiRequestsPerSecondPerUser"] = "1000000";
        info.Environment["Security__SignInRequestsPerMinute"] = "10000";
        // A run outlasts an access token's 15 minutes; the driver signs in once per user.
        info.Environment["Security__AccessTokenMinutes"] = "240";
        // Production's refusals of an unsafe start (docs/operations.md) are lifted the way an operator trying
        // the app would: throwaway keys, the vendor sandbox for the vendors (below), and the demo users to sign in as.
        info.Environment["DataProtection__AllowUnencryptedKeys"] = "true";
        info.Environment["Demo__Seed"] = "true";
        info.Environment["Demo__Password"] = Scenarios.DemoPassword;
        // Plain HTTP on loopback: no TLS proxy in front to redirect to.
        info.Environment["Https__Enforce"] = "false";
        // The webhook scenario's receiver listens on loopback over plain HTTP (docs/webhooks.md, "Targets").
        info.Environment["Webhooks__AllowLocalTargets"] = "true";
        // The mails go over SMTP to the driver's relay on loopback, as a deployment's go to its relay (MailRelay). Until
        // point 54 they went to a pickup folder: on this machine's disk creating each file cost the kernel more and more
        // with the disk's history (points 30 and 53), and in memory it still measured a path no deployment takes.
        info.Environment["Email__Smtp__Host"] = "127.0.0.1";
        info.Environment["Email__Smtp__Port"] = MailRelay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Plain SMTP on loopback, as EmailOptions allows for a relay on the same host.
        info.Environment["Email__Smtp__UseTls"] = "false";
        // The vendor sandbox as a process of its own, on a port and with a key the driver knows, so it can change the
        // vendor's latency while the app runs (SetVendorLatencyAsync), as the tests change its faults. Not inside the app
        // (VendorSandbox__InProcess): the sandbox keeps the vendor's world in memory (every subscription, purchase and
        // reply by idempotency key, ~12 MB of live heap after the place step at 100,000 orders), which is the vendor's
        // memory, not the app's, and a deployment's vendors are elsewhere (docs/performance.md, point 52). Its CPU is
        // counted with the app's, as it was when it ran inside it.
        var sandboxUrl = $"http://127.0.0.1:{FreePort()}";
        var sandboxKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        info.Environment["VendorSandbox__InProcess"] = "false";
        foreach (var vendor in new[] { "Microsoft", "Generic" })
        {
            info.Environment[$"Vendors__{vendor}__BaseUrl"] = sandboxUrl;
            info.Environment[$"Vendors__{vendor}__ApiKey"] = sandboxKey;
        }
        WithSettings(info, settings);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        // Settings for the sandbox given with --app-env (VendorSandbox__Faults__…) go to it.
        var sandbox = StartLogged(WithSettings(new ProcessStartInfo("dotnet", [appDll, "--vendor-sandbox", "--urls", sandboxUrl])
        {
            WorkingDirectory = info.WorkingDirectory,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["VendorSandbox__ApiKey"] = sandboxKey },
        }, settings.Where(s => s.Key.StartsWith("VendorSandbox__", StringComparison.Ordinal))), log);
        var process = StartLogged(info, log);
        var runner = new AppRunner(process, sandbox, $"http://127.0.0.1:{port}", sandboxUrl, sandboxKey);
        CpuMeter.AddApp(process.Id);
        CpuMeter.AddVendorSandbox(sandbox.Id);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < until)
        {
            if (sandbox.HasExited) throw new InvalidOperationException($"The vendor sandbox exited with {sandbox.ExitCode}; see {logFile}");
            if (process.HasExited) throw new InvalidOperationException($"The app exited with {process.ExitCode}; see {logFile}");
            try
            {
                if ((await http.GetAsync(runner.BaseUrl + "/health/ready")).StatusCode == HttpStatusCode.OK) return runner;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The app did not become ready; see {logFile}");
    }

    /// <summary>
    /// The vendor sandbox answers every call after this many milliseconds from now on: its faults as they are
    /// (<c>GET /sandbox/state</c>; any set with <c>--app-env VendorSandbox__Faults__…</c> stay), the latency changed
    /// (<c>PUT /sandbox/faults</c>). The place steps set it on the running app rather than restarting it with a setting: a
    /// fresh process spends its first minutes re-compiling the placing path under load, which the warm-up did not always
    /// outlast (docs/performance.md, point 37).
    /// </summary>
    public async Task SetVendorLatencyAsync(int milliseconds)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_sandboxUrl), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _sandboxKey);
        var state = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/sandbox/state")
                    ?? throw new InvalidOperationException("The sandbox's state was empty.");
        var faults = state["faults"]?.AsObject() ?? throw new InvalidOperationException("The sandbox's state names no faults.");
        faults["latencyMs"] = milliseconds;
        using var response = await http.PutAsJsonAsync("/sandbox/faults", faults);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Setting the sandbox's latency: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The app's memory from /proc (MB): peak and current resident, and the resident memory as the kernel splits it:
    /// anonymous (GC heap, native heaps, stacks), files (the mapped runtime and assemblies) and shared (the JIT's code,
    /// which the runtime maps twice, writable and executable, W^X).
    /// </summary>
    public MemoryReading Memory()
    {
        var lines = File.ReadAllLines($"/proc/{Pid}/status");
        long Mb(string key) => long.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return new MemoryReading(Mb("VmHWM:"), Mb("VmRSS:"), Mb("RssAnon:"), Mb("RssFile:"), Mb("RssShmem:"));
    }

    public sealed record MemoryReading(
        [property: System.Text.Json.Serialization.JsonPropertyName("peak")] long Peak,
        [property: System.Text.Json.Serialization.JsonPropertyName("resident")] long Resident,
        [property: System.Text.Json.Serialization.JsonPropertyName("anonymous")] long Anonymous,
        [property: System.Text.Json.Serialization.JsonPropertyName("files")] long Files,
        [property: System.Text.Json.Serialization.JsonPropertyName("shared")] long Shared)
    {
        public override string ToString() => $"{Peak} / {Resident} (anonymous {Anonymous}, files {Files}, shared {Shared})";
    }

    private static ProcessStartInfo WithSettings(ProcessStartInfo info, IEnumerable<KeyValuePair<string, string>> settings)
    {
        foreach (var (k, v) in settings) info.Environment[k] = v;
        return info;
    }

    private static Process StartLogged(ProcessStartInfo info, StreamWriter log)
    {
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _process, _sandbox })
        {
            CpuMeter.RemoveApp(process.Id);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
    }
}

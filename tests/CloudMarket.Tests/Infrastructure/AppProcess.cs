using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// The application as a separate OS process (the CloudMarket.dll built next to the tests), for what
/// an in-process host cannot show: being killed with SIGKILL mid-work and started again.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>A client of this process signed in as the demo seller admin, acting for Fabrikam.</summary>
    public async Task<HttpClient> SellerInFabrikamAsync()
    {
        var client = new HttpClient { BaseAddress = Address };
        var token = await (await client.PostAsJsonAsync("api/v1/auth/token", new { email = Demo.SellerAdmin, password = CloudMarketFactory.DemoPassword }))
            .Content.ReadFromJsonAsync<JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        client.DefaultRequestHeaders.Add("X-On-Behalf-Of", Demo.Fabrikam.ToString());
        return client;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the app and waits until it is ready. Outside "Testing" only <paramref name="settings"/> apply.</summary>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string environment = "Testing")
    {
        var app = Launch(settings, environment);
        await app.WaitUntilReadyAsync();
        return app;
    }

    /// <summary>Starts the app and waits for it to end by itself (e.g. refusing bad settings): its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(IReadOnlyDictionary<string, string?> settings, string environment)
    {
        await using var app = Launch(settings, environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app._process.WaitForExitAsync(timeout.Token);
        app._process.WaitForExit(); // and for the output to be read to the end
        return (app._process.ExitCode, app.Output);
    }

    private static AppProcess Launch(IReadOnlyDictionary<string, string?> settings, string environment)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}/");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CloudMarket.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (environment == "Testing")
            foreach (var (key, value) in CloudMarketFactory.TestingSettings)
                start.Environment[key.Replace(":", "__")] = value;
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__")] = value;
        return new AppProcess(Process.Start(start)!, address);
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        // Generous: on a 2-core machine running the whole suite, migrating and seeding a new database can take a while.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync("health/ready")).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The app did not become ready:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, leases left behind.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }
}

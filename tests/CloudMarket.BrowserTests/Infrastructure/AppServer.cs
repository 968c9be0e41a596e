using System.Net;
using CloudMarket.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMarket.BrowserTests.Infrastructure;

/// <summary>
/// The whole application served by Kestrel on a free loopback port, with a SQLite database file of
/// its own (migrated and seeded with the demo data), so Chromium talks to it over real HTTP.
/// One per test class.
/// </summary>
public sealed class AppServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cloudmarket-browser-{Guid.NewGuid():N}.db");

    /// <summary>e.g. http://127.0.0.1:41234, no trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={_file}");
        // "Testing" is outside Development: the demo and the in-process vendor sandbox are turned on
        // explicitly, and the plain-HTTP loopback server neither redirects to HTTPS nor encrypts its keys.
        builder.UseSetting("Demo:Seed", "true");
        builder.UseSetting("Demo:Password", "Demo123!");
        builder.UseSetting("VendorSandbox:InProcess", "true");
        builder.UseSetting("Https:Enforce", "false");
        builder.UseSetting("DataProtection:AllowUnencryptedKeys", "true");
        builder.UseSetting("Security:SignInRequestsPerMinute", "100000");
        builder.UseSetting("Security:FailedSignInsPerAddress", "100000");
        builder.UseSetting("Security:ApiRequestsPerSecondPerUser", "100000");
        // The webhook tests' receiver runs on loopback; mail goes to a folder of this app's own.
        builder.UseSetting("Webhooks:AllowLocalTargets", "true");
        builder.UseSetting("Integrations:PollIntervalMs", "100");
        // A vendor call that fails under a loaded machine (a timeout) is retried after 0.2 s, 0.4 s, … instead of
        // the production 2 s, 4 s, 8 s …, and a worker's lease lapses in 10 s: the walks wait up to a minute.
        builder.UseSetting("Provisioning:RetryDelayMs", "200");
        builder.UseSetting("Provisioning:LeaseSeconds", "10");
        builder.UseSetting("Email:PickupDirectory", _file + "-mail");
    }

    public ValueTask InitializeAsync()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().TrimEnd('/');
        return ValueTask.CompletedTask;
    }

    /// <summary>A fresh scope's database context, to arrange or check state directly.</summary>
    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
            File.Delete(f);
        if (Directory.Exists(_file + "-mail")) Directory.Delete(_file + "-mail", recursive: true);
    }
}

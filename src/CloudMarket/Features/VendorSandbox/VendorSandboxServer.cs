using System.ComponentModel.DataAnnotations;
using CloudMarket.Data;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CloudMarket.Features.VendorSandbox;

/// <summary>
/// The sandbox as a web server of its own on a loopback port, so the connectors talk real HTTP to it
/// exactly as they would to a vendor. The app starts one in-process by default
/// (<see cref="InProcessVendorSandbox"/>); <c>--vendor-sandbox</c> runs it as its own process; tests
/// start one to share between app instances or to outlive a killed app.
/// </summary>
public sealed class VendorSandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VendorSandboxServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public SandboxState State => _app.Services.GetRequiredService<SandboxState>();
    public SandboxFaultInjector Faults => _app.Services.GetRequiredService<SandboxFaultInjector>();

    /// <param name="world">What the vendor already knows (tenants and subscriptions); nothing when null.</param>
    public static async Task<VendorSandboxServer> StartAsync(VendorSandboxOptions options, TimeProvider? clock = null,
        SandboxWorld? world = null, CancellationToken ct = default)
    {
        var app = Build(options, clock ?? TimeProvider.System, world ?? SandboxWorld.Empty);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new VendorSandboxServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary><c>dotnet run --project src/CloudMarket -- --vendor-sandbox [--VendorSandbox:Urls=http://127.0.0.1:7070]</c></summary>
    public static async Task RunStandaloneAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a != "--vendor-sandbox").ToArray())
            .Build();
        var options = configuration.GetSection(VendorSandboxOptions.Section).Get<VendorSandboxOptions>() ?? new VendorSandboxOptions();
        if (configuration["urls"] is { Length: > 0 } urls)
            options.Urls = urls;
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        // No platform database here: the vendor's world is the demo's.
        var app = Build(options, TimeProvider.System, SandboxWorld.Demo(TimeProvider.System.GetUtcNow().UtcDateTime));
        app.Lifetime.ApplicationStarted.Register(() =>
            Console.WriteLine($"Vendor sandbox listening on {string.Join(", ", app.Urls)}"));
        await app.RunAsync();
    }

    private static WebApplication Build(VendorSandboxOptions options, TimeProvider clock, SandboxWorld world)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(o => WebSetup.ConfigureJson(o.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton<SandboxState>();
        builder.Services.AddSingleton(new SandboxFaultInjector(options.Faults));
        var app = builder.Build();
        app.Services.GetRequiredService<SandboxState>().Seed(world);
        app.MapVendorSandboxApi(app.Services.GetRequiredService<SandboxFaultInjector>(), options.ApiKey);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Starts the sandbox with the app when <see cref="VendorSandboxOptions.InProcess"/> is on, knowing the
/// platform's tenants and subscriptions (the database is prepared before hosted services start), and
/// says where it listens.
/// </summary>
public sealed class InProcessVendorSandbox(VendorSandboxOptions options, TimeProvider clock, IServiceScopeFactory scopes,
    ILogger<InProcessVendorSandbox> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private VendorSandboxServer? _server;

    /// <summary>The sandbox's address, once it has started.</summary>
    public Task<Uri> BaseAddress => _address.Task;

    /// <summary>The running sandbox, for tests that look at its state or change its faults.</summary>
    public VendorSandboxServer Server => _server ?? throw new InvalidOperationException("The in-process vendor sandbox is not running.");

    public async Task StartAsync(CancellationToken ct)
    {
        if (!options.InProcess) return;
        SandboxWorld world;
        await using (var scope = scopes.CreateAsyncScope())
            world = await SandboxWorld.FromPlatformAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), ct);
        _server = await VendorSandboxServer.StartAsync(options, clock, world, ct);
        logger.LogInformation("In-process vendor sandbox listening on {SandboxAddress}", _server.BaseAddress);
        _address.TrySetResult(_server.BaseAddress);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}

using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CloudMarket.VendorSandbox;

/// <summary>
/// The sandbox as a web server of its own on a loopback port, so the connectors talk real HTTP to it
/// exactly as they would to a vendor. The app starts one in-process by default (its
/// <c>InProcessVendorSandbox</c>); <c>--vendor-sandbox</c> runs it as its own process; tests
/// start one to share between app instances or to outlive a killed app.
/// </summary>
public sealed class VendorSandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VendorSandboxServer(WebApplication app, Uri baseAddress, string apiKey)
    {
        _app = app;
        BaseAddress = baseAddress;
        ApiKey = apiKey;
    }

    public Uri BaseAddress { get; }

    /// <summary>The bearer key callers must present: <see cref="VendorSandboxOptions.ApiKey"/>, or one made up at start.</summary>
    public string ApiKey { get; }

    public SandboxState State => _app.Services.GetRequiredService<SandboxState>();
    public SandboxFaultInjector Faults => _app.Services.GetRequiredService<SandboxFaultInjector>();

    /// <summary>Starts a sandbox on a loopback port. Its start-up lines are left to the caller (the app logs one of its own).</summary>
    /// <param name="world">What the vendor already knows (tenants and subscriptions); nothing when null.</param>
    public static async Task<VendorSandboxServer> StartAsync(VendorSandboxOptions options, TimeProvider? clock = null,
        SandboxWorld? world = null, CancellationToken ct = default)
    {
        var apiKey = KeyFor(options);
        var app = Build(options, apiKey, clock ?? TimeProvider.System, world ?? SandboxWorld.Empty, quiet: true);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new VendorSandboxServer(app, new Uri(address.TrimEnd('/') + "/"), apiKey);
    }

    /// <summary>
    /// Runs the sandbox as its own process until stopped: <c>dotnet run --project src/CloudMarket -- --vendor-sandbox
    /// [--VendorSandbox:Urls=http://127.0.0.1:7070]</c>. Reads appsettings.json and appsettings.{environment}.json from
    /// <paramref name="contentRoot"/> like the app, so in Development its key is the one the app's Development settings send.
    /// </summary>
    /// <param name="world">What the vendor already knows (the app passes its demo's tenants and subscriptions).</param>
    public static async Task RunStandaloneAsync(string[] args, string contentRoot, SandboxWorld world)
    {
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                          ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production;
        var configuration = new ConfigurationBuilder()
            .SetBasePath(contentRoot)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a != "--vendor-sandbox").ToArray())
            .Build();
        var options = configuration.GetSection(VendorSandboxOptions.Section).Get<VendorSandboxOptions>() ?? new VendorSandboxOptions();
        if (configuration["urls"] is { Length: > 0 } urls)
            options.Urls = urls;
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        var apiKey = KeyFor(options);
        var app = Build(options, apiKey, TimeProvider.System, world, quiet: false);
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
            $"Vendor sandbox listening on {string.Join(", ", app.Urls)}" +
            (string.IsNullOrEmpty(options.ApiKey) ? $" with the API key {apiKey} (made up for this run; set VendorSandbox:ApiKey to choose one)" : "")));
        await app.RunAsync();
    }

    /// <summary>The configured key, or a random one: the sandbox never accepts a key everybody knows unless told to.</summary>
    private static string KeyFor(VendorSandboxOptions options) =>
        string.IsNullOrEmpty(options.ApiKey) ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : options.ApiKey;

    private static WebApplication Build(VendorSandboxOptions options, string apiKey, TimeProvider clock, SandboxWorld world, bool quiet)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        if (quiet)
        {
            // Hosted inside the app: its "Now listening on" and "Application started" lines would come first
            // and send a newcomer to the sandbox's port instead of the app's (InProcessVendorSandbox logs one line).
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        }
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton<SandboxState>();
        builder.Services.AddSingleton(new SandboxFaultInjector(options.Faults));
        var app = builder.Build();
        app.Services.GetRequiredService<SandboxState>().Seed(world);
        app.MapVendorSandboxApi(app.Services.GetRequiredService<SandboxFaultInjector>(), apiKey);
        return app;
    }

    /// <summary>The vendors' JSON: camelCase names, enums as camelCase strings, numbers as numbers only.</summary>
    private static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        json.NumberHandling = JsonNumberHandling.Strict;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

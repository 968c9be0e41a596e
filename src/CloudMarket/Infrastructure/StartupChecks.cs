using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CloudMarket.Infrastructure;

/// <summary>What the app says when it starts, or why it will not.</summary>
public static class StartupChecks
{
    /// <summary>
    /// Validates every option registered with ValidateOnStart before anything else happens (no migration,
    /// no seeding). When some are wrong, logs ONE line naming all of them instead of a stack trace, and
    /// returns that line; null when all is well.
    /// </summary>
    public static string? InvalidSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var problems = $"CloudMarket cannot start: {string.Join(" ", Failures(e))}";
            app.Logger.LogCritical("{Problems}", problems);
            return problems;
        }
    }

    private static IEnumerable<string> Failures(Exception e) => e switch
    {
        OptionsValidationException options => options.Failures,
        AggregateException all => all.InnerExceptions.SelectMany(Failures),
        _ => [e.Message],
    };

    /// <summary>
    /// The line a newcomer should read: where the app is (not the vendor sandbox's loopback port, which
    /// the sandbox logs under its own name), and while the demo is on, whom to sign in as.
    /// </summary>
    public static void SayWhereItRuns(this WebApplication app) => app.Lifetime.ApplicationStarted.Register(() =>
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null || addresses.Count == 0)
            return;
        var demo = app.Services.GetRequiredService<IOptions<DemoOptions>>().Value;
        var url = Browsable(addresses.First());
        if (demo.Seed)
            app.Logger.LogInformation("CloudMarket is running at {Url} — sign in as {DemoUser} / {DemoPassword}", url, DemoOptions.SuggestedUser, demo.Password);
        else
            app.Logger.LogInformation("CloudMarket is running at {Url}", url);
    });

    /// <summary>http://[::]:8080 or http://+:8080 is where it listens; http://localhost:8080 is what a browser on the host opens.</summary>
    private static string Browsable(string address)
    {
        foreach (var any in new[] { "://[::]", "://0.0.0.0", "://+", "://*" })
            if (address.Contains(any, StringComparison.Ordinal))
                return address.Replace(any, "://localhost", StringComparison.Ordinal);
        return address;
    }
}

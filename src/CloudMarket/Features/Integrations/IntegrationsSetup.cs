using CloudMarket.Data;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Integrations;

/// <summary>Wiring of events, webhooks and e-mail.</summary>
public static class IntegrationsSetup
{
    public static IServiceCollection AddIntegrations(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<IntegrationOptions>().Bind(configuration.GetSection(IntegrationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart()
            // Local targets are for a developer's own receiver; never by default in production.
            .PostConfigure(o => o.AllowLocalTargets ??= environment.IsDevelopment());
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section))
            .PostConfigure(o => o.PickupDirectory ??= DefaultPickupDirectory(configuration, environment));

        services.AddMetrics();
        services.AddSingleton<IntegrationMetrics>();
        services.AddSingleton<IntegrationSignal>();
        services.AddSingleton<IInterceptor, IntegrationEventRecorder>();
        services.AddSingleton<WebhookTargetGuard>();
        services.AddHttpClient(WebhookSender.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<WebhookTargetGuard>().ConnectAsync,
                // A proxy would connect instead of us, past the address check; redirects could lead anywhere.
                UseProxy = false,
                AllowAutoRedirect = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<EmailTransport>();
        services.AddSingleton<EmailNotifications>();
        services.AddSingleton<EventFanOut>();
        services.AddSingleton<IntegrationDispatcher>();
        if (configuration.GetSection(IntegrationOptions.Section).GetValue(nameof(IntegrationOptions.DispatcherEnabled), true))
            services.AddHostedService(sp => sp.GetRequiredService<IntegrationDispatcher>());
        return services;
    }

    /// <summary>A "mail" folder beside the SQLite database; on PostgreSQL beside the app.</summary>
    private static string DefaultPickupDirectory(IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration.GetValue("Database:Provider", "Sqlite") == "Sqlite")
        {
            var source = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Sqlite") ?? "Data Source=cloudmarket.db").DataSource;
            if (!string.IsNullOrEmpty(source) && source != ":memory:")
                return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source, environment.ContentRootPath)) ?? environment.ContentRootPath, "mail");
        }
        return Path.Combine(environment.ContentRootPath, "mail");
    }
}

using CloudMarket.Features.Provisioning.Generic;
using CloudMarket.Features.Provisioning.Microsoft;
using CloudMarket.VendorSandbox;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>Wiring of the provisioning pipeline: sandbox, connectors with their resilience, worker, metrics.</summary>
public static class ProvisioningSetup
{
    public static IServiceCollection AddProvisioning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProvisioningOptions>().Bind(configuration.GetSection(ProvisioningOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<VendorOptions>().Bind(configuration.GetSection(VendorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VendorOptions>, VendorOptionsValidator>();
        services.AddOptions<VendorSandboxOptions>().Bind(configuration.GetSection(VendorSandboxOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<VendorSandboxOptions>>().Value);
        services.AddSingleton<InProcessVendorSandbox>();
        services.AddHostedService(sp => sp.GetRequiredService<InProcessVendorSandbox>());

        services.AddSingleton<VendorEndpoints>();
        var resilience = configuration.GetSection($"{VendorOptions.Section}:Resilience");
        foreach (var pipeline in new[]
                 {
                     services.AddHttpClient<PartnerCenterConnector>().AddStandardResilienceHandler(ConfigureResilience),
                     services.AddHttpClient<GenericVendorConnector>().AddStandardResilienceHandler(ConfigureResilience),
                 })
            if (resilience.Exists())
                pipeline.Configure(resilience);
        services.AddTransient<IVendorConnector>(sp => sp.GetRequiredService<PartnerCenterConnector>());
        services.AddTransient<IVendorConnector>(sp => sp.GetRequiredService<GenericVendorConnector>());

        services.AddMetrics();
        services.AddSingleton<ProvisioningMetrics>();
        services.AddSingleton<ProvisioningSignal>();
        services.AddSingleton<IInterceptor, ProvisioningJobsCommitted>();
        services.AddSingleton<OrderProvisioner>();
        services.AddSingleton<ProvisioningWorker>();
        if (ProvisioningOptions.WorkerRunsHere(configuration))
            services.AddHostedService(sp => sp.GetRequiredService<ProvisioningWorker>());
        return services;
    }

    /// <summary>
    /// Vendor calls are retried on transient faults only (timeouts, 408, 429 honouring Retry-After, 5xx),
    /// with exponential backoff and jitter; POSTs too, because every call carries an idempotency key.
    /// A circuit breaker stops hammering a vendor that is down. Vendors:Resilience overrides any of it.
    /// </summary>
    private static void ConfigureResilience(HttpStandardResilienceOptions o)
    {
        o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
        o.Retry.MaxRetryAttempts = 5;
        o.Retry.Delay = TimeSpan.FromMilliseconds(200);
        o.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        o.Retry.UseJitter = true;
        o.Retry.ShouldRetryAfterHeader = true;
        o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(90);
        o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
        o.CircuitBreaker.FailureRatio = 0.5;
        o.CircuitBreaker.MinimumThroughput = 20;
        o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }
}

using System.Diagnostics;
using CloudMarket.Features.Provisioning;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CloudMarket.Infrastructure;

/// <summary>
/// The activity sources of the background work. Work that outlives its request (a provisioning job,
/// an outbox event, a delivery) stores the W3C traceparent of the activity that caused it, and its
/// span starts as a child of that context (and links to it), so one trace follows an order from the
/// API request through the worker and its vendor calls to every webhook delivery.
/// </summary>
public static class AppTelemetry
{
    public const string ServiceName = "CloudMarket";
    public const string OrderNumberTag = "cloudmarket.order.number";

    public static readonly ActivitySource Provisioning = new("CloudMarket.Provisioning");
    public static readonly ActivitySource Integrations = new("CloudMarket.Integrations");

    /// <summary>Starts a span under the stored context (a new trace when there is none), tagged with the order number.</summary>
    public static Activity? StartFromStored(ActivitySource source, string name, string? traceParent, long? orderNumber)
    {
        var links = new List<ActivityLink>();
        ActivityContext parent = default;
        if (traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var stored))
        {
            parent = stored;
            links.Add(new ActivityLink(stored));
        }
        // Not under whatever happens to be current (a worker loop): under the stored context only.
        Activity.Current = null;
        var activity = source.StartActivity(name, ActivityKind.Consumer, parent, links: links);
        if (orderNumber is { } n) activity?.SetTag(OrderNumberTag, n);
        return activity;
    }
}

/// <summary>
/// OpenTelemetry, all in one place: traces (ASP.NET Core, HttpClient, EF Core, the CloudMarket
/// sources), metrics (ASP.NET Core, HttpClient, runtime, the CloudMarket.* meters) and logs, exported
/// over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables configure the rest).
/// Telemetry:Enabled turns the pipeline on without an exporter (tests add an in-memory one).
/// </summary>
public static class TelemetrySetup
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddAppTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration[EndpointVariable]);
        if (!otlp && !configuration.GetValue("Telemetry:Enabled", false))
            return services;

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? AppTelemetry.ServiceName))
            .WithTracing(t => t
                .AddSource(AppTelemetry.Provisioning.Name, AppTelemetry.Integrations.Name)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => !http.Request.Path.StartsWithSegments("/health");
                    // The order's number on the request span too, so the trace can be found by it.
                    o.EnrichWithHttpResponse = (activity, response) =>
                    {
                        if (response.HttpContext.Request.Path.StartsWithSegments("/api/v1/orders")
                            && response.HttpContext.GetRouteValue("id") is string id && long.TryParse(id, out var number))
                            activity.SetTag(AppTelemetry.OrderNumberTag, number);
                    };
                })
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("CloudMarket.*"))
            .WithLogging();
        if (otlp)
            telemetry.UseOtlpExporter();
        return services;
    }
}

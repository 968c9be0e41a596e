using CloudMarket.Components;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Features.VendorSandbox;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Scalar.AspNetCore;

if (args.Contains("--vendor-sandbox"))
{
    // The vendor sandbox on its own, e.g. to share one between app instances.
    await VendorSandboxServer.RunStandaloneAsync(args);
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddAppDatabase(builder.Configuration);
builder.Services.AddScoped<DemoData>();
builder.Services.AddAppSecurity(builder.Configuration);
builder.Services.AddAppHealthChecks();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.Configure<JsonOptions>(o => WebSetup.ConfigureJson(o.SerializerOptions));
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddOpenApi();
builder.Services.AddRazorComponents();
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddHttpContextAccessor();
builder.Services.AddProvisioning(builder.Configuration);
builder.Services.AddIntegrations(builder.Configuration, builder.Environment);
builder.Services.AddAppTelemetry(builder.Configuration);

var app = builder.Build();

// Outermost, so the log line and Server-Timing see the answer the client gets, also when an
// exception was turned into a problem by the handler below.
app.UseRequestLogging();
app.UseExceptionHandler();
// Error statuses without a body: a browser that asked for a page (GET, outside the API) gets one in
// the layout; everything else a problem. Only GETs are re-executed: a re-executed POST would meet the
// page endpoint's antiforgery check and end as an empty 400.
static bool AsksForAPage(HttpContext http) =>
    !http.Request.Path.StartsWithSegments("/api") && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method));
app.UseWhen(AsksForAPage, pages => pages.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));
app.UseWhen(http => !AsksForAPage(http), other => other.UseStatusCodePages());
app.UseSecurityHeaders();
app.UseStaticFiles();
// Explicitly here, after the status code pages: their re-execution must match an endpoint anew.
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapScalarApiReference("/api-docs", o => o.WithTitle("CloudMarket API"));
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

var api = app.MapGroup("/api/v1")
    .RequireAuthorization(p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser())
    .RequireRateLimiting("api");
api.MapIdentityApi();
api.MapOrganizationsApi();
api.MapCatalogApi();
api.MapSubscriptionsApi();
api.MapOrdersApi();
api.MapProvisioningApi();
api.MapWebhooksApi();
api.MapNotificationsApi();

app.MapAuthPages();
app.MapOrderPages();
app.MapRazorComponents<App>();

await app.PrepareDatabaseAsync();
app.Run();

public partial class Program;

using CloudMarket.Components;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Identity.Pages;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Orders.Pages;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Features.Workspace;
using CloudMarket.Infrastructure;
using CloudMarket.VendorSandbox;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;

// Before any of the app's threads start: glibc fixes its arena limit the first time it needs one more.
MallocArenas.Cap();

if (args.Contains("--vendor-sandbox"))
{
    // The vendor sandbox on its own, e.g. to share one between app instances.
    // No platform database there: the vendor's world is the demo's.
    await VendorSandboxServer.RunStandaloneAsync(args, WebSetup.ContentRootWhenStartedElsewhere(args) ?? Directory.GetCurrentDirectory(),
        SandboxWorlds.Demo(TimeProvider.System.GetUtcNow().UtcDateTime));
    return 0;
}

WebSetup.WatchConfigurationFilesByPolling();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = WebSetup.ContentRootWhenStartedElsewhere(args) });

builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.Section)).ValidateDataAnnotations()
    .Validate(o => !o.Seed || !string.IsNullOrEmpty(o.Password), "Demo:Seed is on but Demo:Password is not set (the demo users' password has no built-in value).")
    .ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddAppDatabase(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddScoped<DemoData>();
builder.Services.AddAppSecurity(builder.Configuration);
builder.Services.AddAppHttps(builder.Configuration);
builder.Services.AddOptions<OrderOptions>().Bind(builder.Configuration.GetSection(OrderOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrderOptions>>().Value);
builder.Services.AddOptions<AttentionOptions>().Bind(builder.Configuration.GetSection(AttentionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AttentionOptions>>().Value);
builder.Services.AddAppHealthChecks();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
// After every Configure: AddOpenApi and the bearer token put their own generated contexts at the head of the chain,
// and the API's must come first for its answers to be written by its generated code (WebSetup.ConfigureApiJson).
builder.Services.PostConfigure<JsonOptions>(o => WebSetup.ConfigureApiJson(o.SerializerOptions));
builder.Services.AddSingleton<ApiJsonWriter>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddAppOpenApi();
builder.Services.AddRazorComponents();
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddHttpContextAccessor();
builder.Services.AddProvisioning(builder.Configuration);
SubscriptionRenewals.AddTo(builder.Services, builder.Configuration);
builder.Services.AddIntegrations(builder.Configuration, builder.Environment);
builder.Services.AddAttentionTallies();
builder.Services.AddAppTelemetry(builder.Configuration);

var app = builder.Build();
if (app.InvalidSettings() is { } problems)
{
    // Hosted by a test's WebApplicationFactory rather than run: the test gets the reason. The host is left to the
    // factory, which disposes it; disposing it here raced the factory's start into "disposed object" instead.
    if (System.Reflection.Assembly.GetEntryAssembly() != typeof(Program).Assembly)
        throw new InvalidOperationException(problems);
    // The reason is logged; flush it (disposing the host flushes the console logger) and leave.
    await app.DisposeAsync();
    return 1;
}

app.UseAppForwardedHeaders();
// Outermost, so the log line and Server-Timing see the answer the client gets, also when an
// exception was turned into a problem by the handler below.
app.UseRequestLogging();
app.UseExceptionHandler();
app.UseAppHttps();
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
app.UseAuthentication();
// The rate limiter after authentication, so it counts signed-in API callers per user (WebSetup.ApiRateLimit).
app.UseApiBearerIdentity();
app.UseReadYourWrites();
app.UseRateLimiter();
app.UseApiRequestBodyLimit();
app.UseAuthorization();
app.UseAntiforgery();

app.MapAppOpenApi();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });

var api = app.MapGroup("/api/v1")
    .RequireAuthorization(AppPolicies.ApiUser)
    .RequireRateLimiting(WebSetup.ApiRateLimit);
api.MapIdentityApi();
api.MapUsersApi();
api.MapOrganizationsApi();
api.MapCatalogApi();
api.MapSubscriptionsApi();
api.MapOrdersApi();
api.MapApprovalRulesApi();
api.MapProvisioningApi();
api.MapWorkspaceApi();
api.MapWebhooksApi();
api.MapNotificationsApi();

app.MapAuthPages();
app.MapOrderPages();
app.MapRazorComponents<App>();

await app.PrepareDatabaseAsync();
app.SayWhereItRuns();
await app.RunAsync();
return 0;

public partial class Program;

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CloudMarket.Infrastructure;

/// <summary>Service and middleware wiring kept out of Program.cs so it reads as a table of contents.</summary>
public static class WebSetup
{
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        json.NumberHandling = JsonNumberHandling.Strict;
    }

    public static IServiceCollection AddAppSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var security = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddBearerToken(BearerTokenDefaults.AuthenticationScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1))
            .AddIdentityCookies(o => o.ApplicationCookie?.Configure(c =>
            {
                c.LoginPath = "/signin";
                c.LogoutPath = "/signout";
                c.AccessDeniedPath = "/signin";
                c.Cookie.Name = "cloudmarket.auth";
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Strict;
                c.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                c.ExpireTimeSpan = TimeSpan.FromHours(8);
                c.SlidingExpiration = true;
            }));

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = security.MaxFailedSignIns;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(security.LockoutMinutes);
                o.Password.RequiredLength = 8;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<AppClaimsPrincipalFactory>();

        // Keys in the database: every instance behind a load balancer reads the others' cookies and tokens.
        services.AddDataProtection().SetApplicationName("CloudMarket").PersistKeysToDbContext<AppDbContext>();

        services.AddAuthorizationBuilder().AddAppPolicies();
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)retry.TotalSeconds).ToString();
                var problems = ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many requests.", Detail = "Slow down and try again shortly." },
                });
            };
            o.AddPolicy(IdentityApi.SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = security.SignInRequestsPerMinute, Window = TimeSpan.FromMinutes(1) }));
            o.AddPolicy("api", http => RateLimitPartition.GetTokenBucketLimiter(
                http.User.Identity?.Name ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = security.ApiRequestsPerSecondPerUser * 2,
                    TokensPerPeriod = security.ApiRequestsPerSecondPerUser,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                }));
        });
        return services;
    }

    public static IServiceCollection AddAppHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Ready means the database answers.</summary>
    private sealed class DatabaseHealthCheck(AppDbContext db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            await db.Database.CanConnectAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The database is not reachable.");
    }

    /// <summary>Security headers on every response.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var h = http.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "no-referrer";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            if (!http.Request.Path.StartsWithSegments("/scalar") && !http.Request.Path.StartsWithSegments("/api-docs"))
                h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
            return Task.CompletedTask;
        });
        await next();
    });

    /// <summary>One structured log line per request: method, path, status, time, user.</summary>
    /// <summary>Requests slower than this are logged at Information even when they succeed.</summary>
    public const double SlowRequestMs = 1000;

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var started = Stopwatch.GetTimestamp();
        // Server-Timing lets a client (and the benchmark) see the time spent in the server alone.
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["Server-Timing"] = $"app;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";
            return Task.CompletedTask;
        });
        try { await next(); }
        finally
        {
            // A line per request at Information cost ~11 % of list throughput (docs/performance.md): answers
            // that went wrong or were slow are logged at Information, the ordinary rest at Debug.
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var level = http.Response.StatusCode >= 400 || elapsed >= SlowRequestMs ? LogLevel.Information : LogLevel.Debug;
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CloudMarket.Requests");
            if (logger.IsEnabled(level))
                logger.Log(level, "{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms for {User}",
                    http.Request.Method, http.Request.Path.Value, http.Response.StatusCode,
                    elapsed, http.User.Identity?.Name ?? "anonymous");
        }
    });
}

using System.Diagnostics;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CloudMarket.Infrastructure;

/// <summary>Service and middleware wiring kept out of Program.cs so it reads as a table of contents.</summary>
public static class WebSetup
{
    /// <summary>
    /// The JSON the app exchanges with vendors and sends to webhook receivers: camelCase names, enums as their camelCase
    /// names, numbers only as numbers.
    /// </summary>
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        ConfigureNamesAndNumbers(json);
        json.Converters.Add(new JsonStringEnumConverter(EnumsAsNames.Naming, EnumsAsNames.AllowIntegerValues));
    }

    private static void ConfigureNamesAndNumbers(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.NumberHandling = JsonNumberHandling.Strict;
    }

    /// <summary>
    /// The app's own folder when it is started from another one (<c>dotnet /opt/cloudmarket/CloudMarket.dll</c>):
    /// ASP.NET Core's content root is the working directory, so the app would run without its
    /// appsettings.json (logging, database and security settings) and its wwwroot, and put the SQLite file
    /// wherever it was started. Null (the usual rule) when the working directory is the app's, or a content
    /// root is given explicitly.
    /// </summary>
    public static string? ContentRootWhenStartedElsewhere(string[] args)
    {
        if (Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is { Length: > 0 } || Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT") is { Length: > 0 }
            || args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
            || File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")))
            return null;
        return File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")) ? AppContext.BaseDirectory : null;
    }

    /// <summary>The switch of .NET's file providers that makes them poll the files they watch instead of watching their folder.</summary>
    public const string PollingFileWatcherVariable = "DOTNET_USE_POLLING_FILE_WATCHER";

    /// <summary>
    /// The configuration files (appsettings*.json, reloaded when edited) are watched by polling those few files every
    /// 4 s, not with a file-system watch of the whole content root: the content root is also where the app writes as it
    /// works (the SQLite database and its write-ahead log, the mail pickup folder), and that watch woke a thread of
    /// its own for every one of those writes, ~7 % of the app's CPU while e-mails were sent (docs/performance.md,
    /// point 29). Runs before the host is built, as the content root's file provider reads the switch once; an
    /// operator's own setting of it stands.
    /// </summary>
    public static void WatchConfigurationFilesByPolling()
    {
        if (Environment.GetEnvironmentVariable(PollingFileWatcherVariable) is null)
            Environment.SetEnvironmentVariable(PollingFileWatcherVariable, "true");
    }

    /// <summary>
    /// The API's own JSON: the names and numbers of <see cref="ConfigureJson"/>, and a request body may hold only the
    /// fields the endpoint knows, so a misspelt field answers 400 naming it instead of being silently ignored (a note
    /// sent as <c>{ "txt": "…" }</c> must not remove the note). Not for vendor answers, which may grow fields at any
    /// time (<see cref="Features.Provisioning.VendorHttp"/> uses <see cref="ConfigureJson"/>).
    /// <para>
    /// Enums travel as their camelCase names through <see cref="ApiEnumConverter{TEnum}"/> on each enum, not a converter
    /// here: a converter in the options would keep the answers read most from <see cref="ApiJsonContext"/>'s generated
    /// writers (<see cref="ApiJsonWriter"/>), which come first in the resolver chain.
    /// </para>
    /// </summary>
    public static void ConfigureApiJson(JsonSerializerOptions json)
    {
        ConfigureNamesAndNumbers(json);
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
    }

    public static IServiceCollection AddAppSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var security = configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();
        var https = configuration.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions();
        // Where HTTPS is enforced a cookie is never sent over plain HTTP; elsewhere (Development, the tests'
        // plain-HTTP hosts) it is Secure when the request was.
        var cookiesSecure = https.Enforce ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;

        services.AddSingleton<OpenedBearerTokens>();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddBearerToken(BearerTokenDefaults.AuthenticationScheme, o => Sessions.ConfigureBearer(o, security))
            .AddIdentityCookies(o => o.ApplicationCookie?.Configure(c =>
            {
                c.LoginPath = "/signin";
                c.LogoutPath = "/signout";
                c.AccessDeniedPath = "/signin";
                c.Cookie.Name = "cloudmarket.auth";
                c.Cookie.HttpOnly = true;
                c.Cookie.SameSite = SameSiteMode.Strict;
                c.Cookie.SecurePolicy = cookiesSecure;
                c.ExpireTimeSpan = TimeSpan.FromHours(8);
                c.SlidingExpiration = true;
                // Instead of Identity's SecurityStampValidator: checked on every request (see Sessions).
                c.Events.OnValidatePrincipal = Sessions.ValidateCookieAsync;
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
            .AddSignInManager<AppSignInManager>()
            .AddClaimsPrincipalFactory<AppClaimsPrincipalFactory>();
        services.AddScoped<SessionTokens>();

        services.AddAppDataProtection(configuration);
        services.AddSingleton<SignInThrottle>();

        services.AddAuthorizationBuilder().AddAppPolicies();
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = cookiesSecure);

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
            // Runs after authentication (Program.cs), so a signed-in caller has a budget of its own, keyed by
            // user id, and requests without a valid token share one per client address: an anonymous flood
            // from an address (or a proxy in front of many users) never uses up a signed-in user's budget.
            o.AddPolicy(ApiRateLimit, http => http.User.Identity?.IsAuthenticated == true && http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
                ? RateLimitPartition.GetTokenBucketLimiter("user:" + userId, _ => Bucket(security.ApiRequestsPerSecondPerUser))
                : RateLimitPartition.GetTokenBucketLimiter("address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                    _ => Bucket(security.AnonymousApiRequestsPerSecondPerAddress)));
        });
        return services;
    }

    /// <summary>
    /// HTTPS outside Development (Https:Enforce): HSTS, redirection of plain HTTP (to https_port, default 443),
    /// Secure cookies; and the forwarded headers of trusted proxies, so that behind a TLS proxy a request
    /// is known to be HTTPS and to come from the real client (the sign-in throttle counts per client).
    /// </summary>
    public static IServiceCollection AddAppHttps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpsOptions>().Bind(configuration.GetSection(HttpsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersSettings>().Bind(configuration.GetSection(ForwardedHeadersSettings.Section))
            .Validate(s => s.KnownProxies.All(p => IPAddress.TryParse(p, out _)), "ForwardedHeaders:KnownProxies must hold IP addresses, e.g. 10.0.0.5.")
            .Validate(s => s.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), "ForwardedHeaders:KnownNetworks must hold networks in CIDR notation, e.g. 10.0.0.0/24.")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, trusted) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            var proxies = trusted.Value.KnownProxies.Select(p => IPAddress.TryParse(p, out var a) ? a : null).OfType<IPAddress>().ToList();
            var networks = trusted.Value.KnownNetworks.Select(n => System.Net.IPNetwork.TryParse(n, out var net) ? net : (System.Net.IPNetwork?)null).OfType<System.Net.IPNetwork>().ToList();
            if (proxies.Count + networks.Count == 0)
                return; // ASP.NET Core's default: loopback (127.0.0.0/8 and ::1).
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            proxies.ForEach(o.KnownProxies.Add);
            networks.ForEach(o.KnownIPNetworks.Add);
        });
        var https = configuration.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions();
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(https.HstsMaxAgeDays));
        // Behind a TLS proxy the app has no HTTPS address of its own to redirect to: the public one is 443
        // unless https_port (ASPNETCORE_HTTPS_PORT) says otherwise.
        services.AddHttpsRedirection(o => o.HttpsPort = configuration.GetValue<int?>("HTTPS_PORT") ?? 443);
        return services;
    }

    /// <summary>First in the pipeline: everything after it sees the client's scheme and address.</summary>
    public static IApplicationBuilder UseAppForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();

    /// <summary>After the exception handler, which would clear a header set before it.</summary>
    public static IApplicationBuilder UseAppHttps(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<HttpsOptions>>().Value.Enforce)
            return app;
        app.UseHsts();
        // Health probes of a load balancer or orchestrator come over plain HTTP, from inside, and want an answer.
        return app.UseWhen(http => !http.Request.Path.StartsWithSegments("/health"), other => other.UseHttpsRedirection());
    }

    /// <summary>The rate-limit policy of the API group: per user when signed in, per client address when not.</summary>
    public const string ApiRateLimit = "api";

    /// <summary>A steady rate per second with bursts of twice as much.</summary>
    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond * 2,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// Signs API requests in with their bearer token before the rate limiter runs. The default scheme is
    /// the pages' cookie, which the API does not accept, so without this the limiter would see every
    /// API caller as anonymous. The handler caches its result, so authorization reuses it.
    /// </summary>
    public static IApplicationBuilder UseApiBearerIdentity(this IApplicationBuilder app) => app.UseWhen(
        http => http.Request.Path.StartsWithSegments("/api"),
        api => api.Use(async (http, next) =>
        {
            var result = await http.AuthenticateAsync(BearerTokenDefaults.AuthenticationScheme);
            if (result.Succeeded) http.User = result.Principal;
            await next();
        }));

    /// <summary>
    /// Refuses API request bodies over <see cref="SecurityOptions.MaxApiRequestBodyBytes"/> with 413 naming
    /// the limit: unread when Content-Length says so, and as soon as a body without a length (chunked)
    /// grows past it. Both end in <see cref="RequestBodyTooLargeException"/>, so the answer is the same.
    /// </summary>
    public static IApplicationBuilder UseApiRequestBodyLimit(this IApplicationBuilder app) => app.UseWhen(
        http => http.Request.Path.StartsWithSegments("/api"),
        api => api.Use(async (http, next) =>
        {
            var max = http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxApiRequestBodyBytes;
            if (http.Request.ContentLength > max)
                throw new RequestBodyTooLargeException(max);
            // The server's own limit would end the read with an I/O error, which the endpoint turns into a bare 413.
            if (http.Request.ContentLength is null && http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
                http.Request.Body = new LimitedRequestStream(http.Request.Body, max);
            await next();
        }));

    /// <summary>A request body that throws <see cref="RequestBodyTooLargeException"/> once more than the limit has been read.</summary>
    private sealed class LimitedRequestStream(Stream inner, long max) : Stream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Count(await inner.ReadAsync(buffer, ct));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        private int Count(int read)
        {
            _read += read;
            if (_read > max) throw new RequestBodyTooLargeException(max);
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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

    /// <summary>Requests slower than this are logged at Information even when they succeed.</summary>
    public const double SlowRequestMs = 1000;

    /// <summary>
    /// One structured log line per request (method, path, status, time, user): at Information when it went wrong or
    /// was slow, at Debug otherwise; and its server time in a <c>Server-Timing</c> header.
    /// </summary>
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

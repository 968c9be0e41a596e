using System.ComponentModel.DataAnnotations;

namespace CloudMarket.Infrastructure;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Section "Database". The connection string is ConnectionStrings:Sqlite or ConnectionStrings:Postgres.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the app starts (the default; turn off when a deploy step migrates).</summary>
    public bool MigrateOnStart { get; set; } = true;
}

/// <summary>
/// Section "Demo": the demo data seeded into an empty database. Off unless turned on: appsettings.Development.json
/// turns it on for <c>dotnet run</c>; anywhere else it takes <c>Demo__Seed=true</c> and a <c>Demo__Password</c>, so
/// no deployment gets twelve users with a password printed in the README by accident.
/// </summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Seed { get; set; }

    /// <summary>Every demo user's password. No built-in value: a password in the code would be a known one.</summary>
    [MinLength(8)]
    public string? Password { get; set; }

    /// <summary>The demo user the start-up line and the sign-in page suggest.</summary>
    public const string SuggestedUser = "seller.admin@contoso.example";
}

/// <summary>Section "Security": sign-in protection.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 1440)]
    public int LockoutMinutes { get; set; } = 5;

    /// <summary>Sign-in and token requests allowed per client address and minute.</summary>
    [Range(1, 100000)]
    public int SignInRequestsPerMinute { get; set; } = 30;

    /// <summary>
    /// Failed sign-ins (page or token, known e-mail or not) one client address may make within
    /// <see cref="FailedSignInWindowMinutes"/> before it is refused with 429 until that window ends. Below
    /// <see cref="MaxFailedSignIns"/>, so that one address alone needs more than a window to lock an account,
    /// and cannot keep it locked (docs/operations.md has the figures).
    /// </summary>
    [Range(1, 100000)]
    public int FailedSignInsPerAddress { get; set; } = 4;

    [Range(1, 1440)]
    public int FailedSignInWindowMinutes { get; set; } = 15;

    /// <summary>API requests allowed per signed-in user and second (burst protection).</summary>
    [Range(1, 1000000)]
    public int ApiRequestsPerSecondPerUser { get; set; } = 200;

    /// <summary>
    /// API requests without a valid token allowed per client address and second. Kept apart from the
    /// users' budgets, so an anonymous flood from one address never starves signed-in users behind it.
    /// </summary>
    [Range(1, 1000000)]
    public int AnonymousApiRequestsPerSecondPerAddress { get; set; } = 20;

    /// <summary>
    /// The largest API request body, in bytes. 256 KB holds an order of the most items it may have
    /// (<see cref="OrderOptions.MaxItemsPerOrder"/>) with room to spare; larger bodies answer 413 unread.
    /// </summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxApiRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Lifetime of an API access token. Short, because a token cannot be recalled from the client;
    /// every request still checks the user's security stamp, so this bounds only how long a stolen
    /// token of an unchanged account works.
    /// </summary>
    [Range(1, 1440)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>A refresh token unused for this long expires (each refresh issues a new one).</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 14;
}

/// <summary>Section "Orders": limits of one order.</summary>
public sealed class OrderOptions
{
    public const string Section = "Orders";

    /// <summary>The most items one order may hold; creating or adding beyond it answers 400 naming the limit.</summary>
    [Range(1, 10000)]
    public int MaxItemsPerOrder { get; set; } = 100;
}

/// <summary>
/// Section "Https". On (the code's default) outside Development: HTTPS redirection, HSTS and cookies marked
/// Secure. Behind a TLS proxy the app learns that a request came over HTTPS from X-Forwarded-Proto
/// (see <see cref="ForwardedHeadersSettings"/>). Development and the tests' plain-HTTP hosts turn it off.
/// </summary>
public sealed class HttpsOptions
{
    public const string Section = "Https";

    public bool Enforce { get; set; } = true;

    /// <summary>Strict-Transport-Security max-age.</summary>
    [Range(1, 730)]
    public int HstsMaxAgeDays { get; set; } = 365;
}

/// <summary>
/// Section "ForwardedHeaders": the proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. Empty:
/// loopback only (a proxy on the same host). Anyone else could claim to be HTTPS or any address.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>10.0.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>
/// Section "Attention": when an order or a subscription joins the Needs attention queue of the seller- and
/// distributor-level users (GET /api/v1/attention).
/// </summary>
public sealed class AttentionOptions
{
    public const string Section = "Attention";

    /// <summary>An order in flight whose status has not moved for this long is stuck (the worker gives up on an unreachable vendor well before).</summary>
    [Range(1, 10080)]
    public int StuckAfterMinutes { get; set; } = 15;

    /// <summary>A scheduled order due within this many days is listed, so someone looks at it before it runs.</summary>
    [Range(1, 90)]
    public int ScheduledWithinDays { get; set; } = 7;

    /// <summary>A subscription whose cancellation window closes within this many hours is listed, while licences can still be taken back.</summary>
    [Range(1, 720)]
    public int WindowClosingWithinHours { get; set; } = 48;
}

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

/// <summary>Section "Demo": the demo data seeded into an empty database.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Seed { get; set; } = true;

    [Required, MinLength(8)]
    public string Password { get; set; } = "Demo123!";
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

    /// <summary>API requests allowed per signed-in user and second (burst protection).</summary>
    [Range(1, 1000000)]
    public int ApiRequestsPerSecondPerUser { get; set; } = 200;

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

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

    /// <summary>API requests allowed per signed-in user and second (burst protection); a burst of twice as many is allowed.</summary>
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
}

/// <summary>Section "Orders": limits of one order.</summary>
public sealed class OrderOptions
{
    public const string Section = "Orders";

    /// <summary>The most items one order may hold; creating or adding beyond it answers 400 naming the limit.</summary>
    [Range(1, 10000)]
    public int MaxItemsPerOrder { get; set; } = 100;
}

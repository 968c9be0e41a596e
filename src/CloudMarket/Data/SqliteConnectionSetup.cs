using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Data;

/// <summary>
/// Settings every SQLite connection needs when requests and the provisioning worker write at the same time.
/// Without a busy timeout SQLite answers "busy" at once and Microsoft.Data.Sqlite retries only every
/// 150 ms, which caps the single writer at a handful of commits per second under contention; with it,
/// SQLite's own handler takes the lock the moment it is free. synchronous=NORMAL is the recommended
/// setting with WAL: a killed process loses nothing, only a power cut may lose the last commits.
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(ct);
    }
}

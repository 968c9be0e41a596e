using Npgsql;

namespace CloudMarket.Bench;

/// <summary>
/// Which tables PostgreSQL's autovacuum worked on during a step, sampled from <c>pg_stat_activity</c> every 250 ms on a
/// connection of its own. Autovacuum wakes once a minute and vacuums and analyzes the tables placing writes (Orders,
/// OrderItems, their events, the integration queue) for seconds at a time. Its workers are the server's children, so the
/// CPU meter counts them with the backends, and a place step whose seconds overlap one costs PostgreSQL more per order
/// than one that does not (docs/performance.md, point 39). The step's report names them beside its figures.
/// </summary>
public sealed class AutovacuumWatch
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<SortedSet<string>> _watching;

    private AutovacuumWatch(string connectionString) => _watching = WatchAsync(connectionString, _stop.Token);

    /// <summary>Starts watching; on SQLite (no connection string) it watches nothing.</summary>
    public static AutovacuumWatch Start(string? postgresConnectionString) => new(postgresConnectionString ?? "");

    /// <summary>Stops, and answers what autovacuum did meanwhile (e.g. "VACUUM ANALYZE public.Orders"), each once.</summary>
    public async Task<IReadOnlyCollection<string>> StopAsync()
    {
        await _stop.CancelAsync();
        return await _watching;
    }

    private static async Task<SortedSet<string>> WatchAsync(string connectionString, CancellationToken stop)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        if (connectionString.Length == 0) return seen;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(stop);
            // The watch's own statements stay out of the step's statement counts (pg_stat_statements), as far as the
            // server lets this session say so.
            try
            {
                await using var untracked = new NpgsqlCommand("SET pg_stat_statements.track = 'none'", connection);
                await untracked.ExecuteNonQueryAsync(stop);
            }
            catch (PostgresException)
            {
            }
            await using var command = new NpgsqlCommand(
                "SELECT replace(substring(query from '^autovacuum: (.*)$'), '\"', '') FROM pg_stat_activity " +
                "WHERE backend_type = 'autovacuum worker' AND query LIKE 'autovacuum: %'", connection);
            while (!stop.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(stop))
                    while (await reader.ReadAsync(stop))
                        if (!reader.IsDBNull(0)) seen.Add(reader.GetString(0));
                await Task.Delay(250, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (NpgsqlException e)
        {
            seen.Add($"(the watch failed: {e.Message})"); // said in the report, rather than "none"
        }
        return seen;
    }
}

using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Bench;

/// <summary>
/// What PostgreSQL ran during a step, from pg_stat_statements (which the benchmark's server loads): how many statements,
/// and those that took it the most time, with their calls, rows and buffer pages read (hit or not), to see what an event or an order costs. On SQLite, or on a
/// server without the extension, nothing (null).
/// </summary>
public static class PgStatements
{
    /// <summary>Starts counting anew; false when there is nothing to count with.</summary>
    public static async Task<bool> ResetAsync(AppDbContext db)
    {
        if (!db.Database.IsNpgsql()) return false;
        try
        {
            await db.Database.ExecuteSqlRawAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await db.Database.ExecuteSqlRawAsync("SELECT pg_stat_statements_reset()");
            return true;
        }
        catch (Npgsql.PostgresException)
        {
            return false; // not loaded (shared_preload_libraries)
        }
    }

    /// <summary>The statements run since <see cref="ResetAsync"/>; prints the 12 that took the most time and the 12 run most often first.</summary>
    public static async Task<long> CountAsync(AppDbContext db)
    {
        // The costliest statements, then the most frequent ones (a round trip costs both sides CPU whatever it runs).
        const string top = "SELECT calls || ' calls, ' || rows || ' rows, ' || (shared_blks_hit + shared_blks_read) || ' blocks, ' || round(total_exec_time::numeric, 1) || ' ms: ' " +
                           "|| left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS \"Value\" " +
                           "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ";
        Console.WriteLine("    most time:");
        foreach (var line in await db.Database.SqlQueryRaw<string>(top + "ORDER BY total_exec_time DESC LIMIT 12").ToListAsync())
            Console.WriteLine($"    {line}");
        Console.WriteLine("    most calls:");
        foreach (var line in await db.Database.SqlQueryRaw<string>(top + "ORDER BY calls DESC LIMIT 12").ToListAsync())
            Console.WriteLine($"    {line}");
        return await db.Database.SqlQueryRaw<long>(
            "SELECT COALESCE(sum(calls), 0)::bigint AS \"Value\" FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'").SingleAsync();
    }
}

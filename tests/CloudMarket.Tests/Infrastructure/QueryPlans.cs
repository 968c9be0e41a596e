using System.Data.Common;
using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>The plan a database runs one of the app's statements with, its parameters as the app sends them.</summary>
public static class QueryPlans
{
    /// <summary>SQLite's <c>EXPLAIN QUERY PLAN</c>, one line per step.</summary>
    public static async Task<string> SqliteAsync(AppDbContext db, DbCommand command)
    {
        await db.Database.OpenConnectionAsync();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        return await LinesAsync(command);
    }

    /// <summary>
    /// PostgreSQL's generic plan: the app prepares every statement, and PostgreSQL runs one after its first five executions
    /// with a plan that cannot look at the parameters' values (a page whose statuses were a parameter would not match an
    /// index's predicate; a big customer's rows are planned as an average customer's). PostgreSQL 15 shows it as EXPLAIN
    /// EXECUTE of the statement prepared, under plan_cache_mode = force_generic_plan.
    /// </summary>
    public static async Task<string> PostgresGenericAsync(AppDbContext db, DbCommand command)
    {
        // As the app sends it: a statement tagged for it has its values written in (ValuesWrittenIn's interceptor, which a
        // command made by CreateDbCommand has not been through).
        ValuesWrittenIn.WriteIn(command);
        // One transaction holds one physical connection: the app's connections are multiplexed (DatabaseSetup.TunePostgres),
        // so outside a transaction the SET, the PREPARE and the EXPLAIN could each go out on another one.
        await using var transaction = await db.Database.BeginTransactionAsync();
        command.Transaction = transaction.GetDbTransaction();
        var parameters = command.Parameters.Cast<DbParameter>().ToList();
        var sql = command.CommandText;
        // Longest names first, so @p is not replaced inside @page.
        foreach (var (parameter, position) in parameters.Select((p, i) => (p, i + 1)).OrderByDescending(x => x.p.ParameterName.Length))
            sql = sql.Replace(parameter.ParameterName, "$" + position);
        command.Parameters.Clear();
        command.CommandText = $"SET LOCAL plan_cache_mode = force_generic_plan; PREPARE planned AS {sql}";
        await command.ExecuteNonQueryAsync();
        try
        {
            // (A statement whose values are all written in has no parameter list: "planned()" is not SQL.)
            command.CommandText = parameters.Count == 0
                ? "EXPLAIN EXECUTE planned"
                : $"EXPLAIN EXECUTE planned({string.Join(", ", parameters.Select(p => Literal(p.Value)))})";
            return await LinesAsync(command);
        }
        finally
        {
            // The connection goes back to the pool as it came: no statement left prepared (a PREPARE outlives its
            // transaction; the SET LOCAL ends with it).
            command.CommandText = "DEALLOCATE planned";
            await command.ExecuteNonQueryAsync();
        }
    }

    private static string Literal(object? value) => value switch
    {
        int or long => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        string text => $"'{text}'",
        // An array parameter (a list of statuses, of ids): PostgreSQL's array literal.
        System.Collections.IEnumerable values => $"'{{{string.Join(",", values.Cast<object>())}}}'",
        _ => $"'{value}'",
    };

    private static async Task<string> LinesAsync(DbCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add(string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
        return string.Join("\n", lines);
    }
}

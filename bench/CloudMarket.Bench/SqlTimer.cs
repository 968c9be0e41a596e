using System.Data.Common;
using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CloudMarket.Bench;

public sealed record SqlResult(string Name, double SearchSqlP50Ms, double PageSqlP50Ms, double ItemsSqlP50Ms, double SqlP50Ms, double ApiServerP50Ms, double Ratio, string Plan);

/// <summary>
/// Each list's own SQL, the very statements the app's list code runs (<see cref="OrderQueries.ListAsync(AppDbContext, CustomerContext,
/// OrderListFilter, string?, int, CancellationToken)"/>, recorded by an EF Core interceptor as it runs them), run again directly as
/// prepared Npgsql statements by one client, beside the API's own time for the same list with one client.
/// </summary>
public static class SqlTimer
{
    public static async Task<List<SqlResult>> RunAllAsync(string connectionString, Scenarios scenarios, TimeSpan each, bool withApi)
    {
        var recorder = new StatementRecorder();
        await using var db = Scenarios.Context(scenarios.Options, recorder);
        var fabrikam = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == DemoData.Fabrikam);
        var contoso = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == DemoData.Contoso);
        async Task<Actor> ActorOf(string email, Role role)
        {
            var u = await db.Users.AsNoTracking().SingleAsync(x => x.Email == email);
            var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == u.OrganizationId);
            return new Actor(u.Id, u.FirstName + " " + u.LastName, email, org.Id, org.Name, org.Type, [role]);
        }
        var seller = new CustomerContext(await ActorOf(Scenarios.SellerEmail, Role.SellerAdmin), fabrikam, contoso);
        var customer = new CustomerContext(await ActorOf(Scenarios.CustomerEmail, Role.CustomerAdmin), fabrikam, contoso);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var results = new List<SqlResult>();
        foreach (var s in scenarios.All.Where(s => s.Filter is not null))
        {
            var ctx = s.AsSeller ? seller : customer;
            // The statements the app's own list code runs for this list (OrderQueries.ListAsync, recorded as it runs them):
            // a search's own statements (its index lookups and offer-name reads, tagged in their SQL), the page's statements, and
            // last the page's items. A list without a text search reads its page with its items in one statement (docs/performance.md,
            // point 45): that statement, which reads the orders, is the page's, and such a list has no items statement.
            recorder.Statements.Clear();
            var list = await OrderQueries.ListAsync(db, ctx, s.Filter!, s.Cursor, OrderListFilter.DefaultLimit, default);
            var statements = recorder.Statements.Select((command, i) =>
                (Part: command.CommandText.Contains(OrderQueries.SearchTag) ? "search"
                    : i == recorder.Statements.Count - 1 && list.Items.Count > 0 && !command.CommandText.Contains("\"Orders\"") ? "items" : "page",
                    Command: command)).ToList();

            // The API's time at the server with one client and the same statements run directly, measured in
            // alternating slices within the same seconds: this machine's speed drifts by up to twice over minutes
            // (docs/performance.md, point 20), so a ratio of two figures taken minutes apart says more about the
            // drift than about the app. Without a running app (--sql-only) only the statements are timed.
            var prepared = new List<(string Part, NpgsqlCommand Command, List<double> Samples)>();
            foreach (var (part, command) in statements)
            {
                var copy = Copy(conn, command);
                await copy.PrepareAsync();
                prepared.Add((part, copy, []));
            }
            var apiTimes = new List<double>();
            for (var slice = 0; slice < Slices; slice++)
            {
                if (withApi) apiTimes.AddRange(await scenarios.ServerTimesAsync(s, each / (2 * Slices)));
                foreach (var (_, command, samples) in prepared)
                    await SampleAsync(command, each / (2 * Slices * prepared.Count), samples);
            }
            double P50Of(string part) => prepared.Where(x => x.Part == part).Sum(x => Load.Pct(x.Samples.Order().ToArray(), 0.5));
            var (searchMs, pageMs, itemsMs) = (P50Of("search"), P50Of("page"), P50Of("items"));
            foreach (var (_, command, _) in prepared) await command.DisposeAsync();
            var plans = new List<string>();
            foreach (var (_, command) in statements.Where(x => x.Part != "items")) plans.Add(await ExplainAsync(conn, command));
            var plan = string.Join("\n\n", plans);
            var apiMs = withApi ? Load.Pct(apiTimes.Order().ToArray(), 0.5) : double.NaN;
            var sqlMs = searchMs + pageMs + itemsMs;
            results.Add(new SqlResult(s.Name, Math.Round(searchMs, 3), Math.Round(pageMs, 3), Math.Round(itemsMs, 3), Math.Round(sqlMs, 3), apiMs, Math.Round(apiMs / sqlMs, 2), plan));
            Console.WriteLine($"  {s.Name,-44} search {searchMs,7:0.000} ms + page {pageMs,7:0.000} ms + items {itemsMs,6:0.000} ms   " +
                              $"API {apiMs,6:0.000} ms   ratio {apiMs / sqlMs,5:0.00}   load {Load.LoadAverage()}");
        }
        return results;
    }

    /// <summary>How many alternating slices of API and SQL make up one list's measurement.</summary>
    private const int Slices = 4;

    /// <summary>Keeps a copy of every statement a context runs, with its parameters, to run it again on a connection of the timer's own.</summary>
    private sealed class StatementRecorder : DbCommandInterceptor
    {
        public List<DbCommand> Statements { get; } = [];

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Statements.Add(Copy(null, command));
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Statements.Add(Copy(null, command));
            return ValueTask.FromResult(result);
        }
    }

    private static NpgsqlCommand Copy(NpgsqlConnection? conn, DbCommand source, string prefix = "")
    {
        var cmd = new NpgsqlCommand(prefix + source.CommandText, conn);
        foreach (NpgsqlParameter p in source.Parameters) cmd.Parameters.Add(p.Clone());
        return cmd;
    }

    /// <summary>Runs a prepared statement for <paramref name="budget"/> (at least 5 times), adding each run's time.</summary>
    private static async Task SampleAsync(NpgsqlCommand cmd, TimeSpan budget, List<double> samples)
    {
        var until = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        for (var n = 0; Stopwatch.GetTimestamp() < until || n < 5; n++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) { for (var i = 0; i < reader.FieldCount; i++) _ = reader.GetValue(i); }
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection conn, DbCommand source)
    {
        await using var cmd = Copy(conn, source, "EXPLAIN (ANALYZE, BUFFERS) ");
        var lines = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    }
}

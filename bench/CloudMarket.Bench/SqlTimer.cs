using System.Data.Common;
using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CloudMarket.Bench;

public sealed record SqlResult(string Name, double SearchSqlP50Ms, double PageSqlP50Ms, double ItemsSqlP50Ms, double SqlP50Ms, double ApiServerP50Ms, double Ratio, string Plan);

/// <summary>
/// Each list's own SQL, exactly as the app's query builds it (the same <see cref="OrderQueries.PageQuery"/>,
/// captured with EF Core's CreateDbCommand), run directly as prepared Npgsql statements by one client, beside the
/// API's own time for the same list with one client.
/// </summary>
public static class SqlTimer
{
    public static async Task<List<SqlResult>> RunAllAsync(string connectionString, Scenarios scenarios, TimeSpan each, bool withApi)
    {
        await using var db = Scenarios.Context(scenarios.Options);
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
            // A search first looks its matches up in the trigram indexes: the lookups the app ran for it are timed too.
            List<long>? matches = null;
            var statements = new List<(string Part, DbCommand Command)>();
            if (s.Filter!.Search is { } term)
            {
                (matches, var ran) = await OrderQueries.TrigramLookupsAsync(db, ctx, term, default);
                statements.AddRange(ran.Select(lookup => ("search", lookup.CreateDbCommand())));
            }
            var page = OrderQueries.PageQuery(db, ctx, s.Filter!, s.Cursor, OrderListFilter.DefaultLimit, matches);
            var ids = (await page.ToListAsync()).Take(OrderListFilter.DefaultLimit).Select(r => r.Id).ToList();
            statements.Add(("page", page.CreateDbCommand()));
            if (ids.Count > 0) statements.Add(("items", OrderQueries.PageItemsQuery(db, ctx, ids).CreateDbCommand()));

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
            var plan = await ExplainAsync(conn, page.CreateDbCommand());
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

    private static NpgsqlCommand Copy(NpgsqlConnection conn, DbCommand source, string prefix = "")
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

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
/// captured with EF Core's CreateDbCommand), run directly as prepared Npgsql statements by one client.
/// </summary>
public static class SqlTimer
{
    public static async Task<List<SqlResult>> RunAllAsync(string connectionString, Scenarios scenarios, TimeSpan each, List<LoadResult> api)
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
            // A search first looks its matches up in the trigram indexes (both statements timed too).
            var searchMs = 0.0;
            List<long>? matches = null;
            if (s.Filter!.Search is { } term)
            {
                matches = await OrderQueries.SearchMatchesAsync(db, ctx, term, default);
                var (byName, byItem) = OrderQueries.SearchMatchQueries(db, ctx, term);
                searchMs = await TimeAsync(conn, byName.CreateDbCommand(), each / 4) + await TimeAsync(conn, byItem.CreateDbCommand(), each / 4);
            }
            var page = OrderQueries.PageQuery(db, ctx, s.Filter!, s.Cursor, OrderListFilter.DefaultLimit, matches);
            var ids = (await page.ToListAsync()).Take(OrderListFilter.DefaultLimit).Select(r => r.Id).ToList();
            var pageMs = await TimeAsync(conn, page.CreateDbCommand(), each / 2);
            var itemsMs = ids.Count == 0 ? 0 : await TimeAsync(conn, OrderQueries.PageItemsQuery(db, ctx, ids).CreateDbCommand(), each / 2);
            var plan = await ExplainAsync(conn, page.CreateDbCommand());
            // The API's time at the server with one client, against the same statements run directly.
            var apiMs = api.FirstOrDefault(a => a.Name == s.Name && a.Clients == 1)?.ServerP50Ms ?? double.NaN;
            var sqlMs = searchMs + pageMs + itemsMs;
            results.Add(new SqlResult(s.Name, Math.Round(searchMs, 3), Math.Round(pageMs, 3), Math.Round(itemsMs, 3), Math.Round(sqlMs, 3), apiMs, Math.Round(apiMs / sqlMs, 2), plan));
            Console.WriteLine($"  {s.Name,-44} search {searchMs,7:0.000} ms + page {pageMs,7:0.000} ms + items {itemsMs,6:0.000} ms   load {Load.LoadAverage()}");
        }
        return results;
    }

    private static NpgsqlCommand Copy(NpgsqlConnection conn, DbCommand source, string prefix = "")
    {
        var cmd = new NpgsqlCommand(prefix + source.CommandText, conn);
        foreach (NpgsqlParameter p in source.Parameters) cmd.Parameters.Add(p.Clone());
        return cmd;
    }

    private static async Task<double> TimeAsync(NpgsqlConnection conn, DbCommand source, TimeSpan budget)
    {
        await using var cmd = Copy(conn, source);
        await cmd.PrepareAsync();
        var samples = new List<double>();
        var until = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until || samples.Count < 5)
        {
            var t0 = Stopwatch.GetTimestamp();
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) { for (var i = 0; i < reader.FieldCount; i++) _ = reader.GetValue(i); }
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return Load.Pct(samples.Order().ToArray(), 0.5);
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

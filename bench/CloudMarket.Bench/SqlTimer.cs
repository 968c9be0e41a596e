using System.Data.Common;
using System.Diagnostics;
using System.Security.Claims;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CloudMarket.Bench;

/// <summary>
/// One list's SQL timed directly beside its API time. <see cref="SqlP50Ms"/> is the list code's statements (search + page + items)
/// and <see cref="Ratio"/> the API's time over them; <see cref="RequestSqlP50Ms"/> adds the session statement every such request
/// runs first, which also reads the customer and seller the list is scoped to, and <see cref="RatioToRequestSql"/> is the API's
/// time over all of the request's SQL (docs/performance.md, "API ÷ SQL").
/// </summary>
public sealed record SqlResult(string Name, double SessionSqlP50Ms, double SearchSqlP50Ms, double PageSqlP50Ms, double ItemsSqlP50Ms, double SqlP50Ms,
    double RequestSqlP50Ms, double ApiServerP50Ms, double Ratio, double RatioToRequestSql, string Plan);

/// <summary>
/// Each list's own SQL, the very statements the app runs for it, recorded by an EF Core interceptor as the app's own code runs
/// them: the session check (<see cref="Sessions.IsCurrentAsync"/>, with the customer it prefetches for the list) and the list code
/// (<see cref="OrderQueries.ListAsync(AppDbContext, CustomerContext, OrderListFilter, string?, int, CancellationToken)"/>). They
/// are run again directly as prepared Npgsql statements by one client, beside the API's own time for the same list with one client.
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
        // The session statement depends only on who asks (and for whom), not on the list: recorded once per user.
        var sessionStatement = new Dictionary<bool, DbCommand>
        {
            [true] = await RecordSessionStatementAsync(db, recorder, seller.Actor, onBehalfOf: DemoData.Fabrikam),
            [false] = await RecordSessionStatementAsync(db, recorder, customer.Actor, onBehalfOf: null),
        };
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
                    Command: command)).Prepend((Part: "session", Command: sessionStatement[s.AsSeller])).ToList();

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
            var (sessionMs, searchMs, pageMs, itemsMs) = (P50Of("session"), P50Of("search"), P50Of("page"), P50Of("items"));
            foreach (var (_, command, _) in prepared) await command.DisposeAsync();
            var plans = new List<string>();
            foreach (var (_, command) in statements.Where(x => x.Part is not ("items" or "session"))) plans.Add(await ExplainAsync(conn, command));
            var plan = string.Join("\n\n", plans);
            var apiMs = withApi ? Load.Pct(apiTimes.Order().ToArray(), 0.5) : double.NaN;
            var sqlMs = searchMs + pageMs + itemsMs;
            var requestSqlMs = sessionMs + sqlMs;
            results.Add(new SqlResult(s.Name, Math.Round(sessionMs, 3), Math.Round(searchMs, 3), Math.Round(pageMs, 3), Math.Round(itemsMs, 3),
                Math.Round(sqlMs, 3), Math.Round(requestSqlMs, 3), apiMs, Math.Round(apiMs / sqlMs, 2), Math.Round(apiMs / requestSqlMs, 2), plan));
            Console.WriteLine($"  {s.Name,-44} session {sessionMs,6:0.000} + search {searchMs,7:0.000} + page {pageMs,7:0.000} + items {itemsMs,6:0.000} ms   " +
                              $"API {apiMs,6:0.000} ms   ratio {apiMs / sqlMs,5:0.00} (list's), {apiMs / requestSqlMs,5:0.00} (request's)   load {Load.LoadAverage()}");
        }
        return results;
    }

    /// <summary>
    /// The statement the app's session check runs for a list request of this user (<see cref="Sessions.IsCurrentAsync"/>, as the
    /// bearer handler calls it): the user's stamp and access, and with it the customer the list is for and its seller, which
    /// <see cref="CustomerContext"/> takes from it instead of reading them itself. The request is built as the app would see it:
    /// a customer-scoped endpoint, the <c>X-On-Behalf-Of</c> header where the benchmark sends it, the token's claims.
    /// </summary>
    private static async Task<DbCommand> RecordSessionStatementAsync(AppDbContext db, StatementRecorder recorder, Actor actor, Guid? onBehalfOf)
    {
        var identity = new IdentityOptions();
        await using var services = new ServiceCollection()
            .AddSingleton(db).AddSingleton(TimeProvider.System).AddSingleton(Microsoft.Extensions.Options.Options.Create(identity))
            .BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new OpenApiSetup.CustomerScopedMetadata()), "a list"));
        if (onBehalfOf is { } customerId) http.Request.Headers[CustomerContext.OnBehalfOfHeader] = customerId.ToString();
        var stamp = await db.Users.AsNoTracking().Where(u => u.Id == actor.UserId).Select(u => u.SecurityStamp).SingleAsync();
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, actor.UserId.ToString()), new Claim(identity.ClaimsIdentity.SecurityStampClaimType, stamp ?? ""),
            new Claim(Actor.OrganizationIdClaim, actor.OrganizationId.ToString()), new Claim(Actor.OrganizationTypeClaim, actor.OrganizationType.ToString()),
            .. actor.Roles.Select(r => new Claim(ClaimTypes.Role, r.ToString())),
        ], authenticationType: "bench"));
        recorder.Statements.Clear();
        if (!await Sessions.IsCurrentAsync(http, principal))
            throw new InvalidOperationException($"The session check refused {actor.Email}: the recorded statement would not be the list's.");
        if (CustomerContext.CustomerToPrefetch(http, principal) is null || recorder.Statements.Count != 1)
            throw new InvalidOperationException($"The session check of {actor.Email} ran {recorder.Statements.Count} statements, not one with its customer.");
        return recorder.Statements[0];
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

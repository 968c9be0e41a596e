using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace CloudMarket.Data;

/// <summary>
/// The optional PostgreSQL read replica (<c>ConnectionStrings:PostgresReadReplica</c>): its pooled contexts and
/// what this instance knows of it. Registered only when configured; <see cref="ReadDb"/> is the one place that
/// decides whether a read runs here or on the primary (docs/performance.md, "Read replica").
/// </summary>
public sealed class ReadReplica
{
    /// <summary>After a failure the replica is left alone this long; every read goes to the primary meanwhile.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly PooledDbContextFactory<PostgresAppDbContext> _contexts;
    private readonly TimeProvider _clock;
    private readonly ILogger<ReadReplica> _log;
    private long _replayedLsn;
    private long _downUntilTicks;

    public ReadReplica(string connectionString, TimeProvider clock, ILoggerFactory logs)
    {
        _contexts = new PooledDbContextFactory<PostgresAppDbContext>(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseAppNpgsql(Tune(connectionString)).UseLoggerFactory(logs).Options);
        _clock = clock;
        _log = logs.CreateLogger<ReadReplica>();
    }

    /// <summary>The replica's connection string as the app uses it: the primary's Npgsql defaults, with two differences.</summary>
    internal static string Tune(string connectionString)
    {
        // Not multiplexed (the primary's default): a request opens its replica connection to learn whether the replica is
        // reachable before it reads there (ReadDb.ContextAsync), and opening a multiplexed connection connects nothing.
        var builder = new NpgsqlConnectionStringBuilder(DatabaseSetup.NotMultiplexed(DatabaseSetup.TunePostgres(connectionString)));
        // An unreachable replica must cost a request little before it falls back to the primary.
        if (!DatabaseSetup.SettingsIn(connectionString).Contains("TIMEOUT")) builder.Timeout = 3;
        return builder.ConnectionString;
    }

    internal bool IsResting => _clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _downUntilTicks);

    internal AppDbContext Lease() => _contexts.CreateDbContext();

    /// <summary>The replica failed (unreachable, or a query cancelled by replay): reads go to the primary for <see cref="RetryAfter"/>.</summary>
    internal void Failed(Exception e)
    {
        Interlocked.Exchange(ref _downUntilTicks, (_clock.GetUtcNow() + RetryAfter).UtcTicks);
        _log.LogWarning(e, "The read replica failed ({Reason}); reads go to the primary for the next {Seconds} s", e.Message, RetryAfter.TotalSeconds);
    }

    /// <summary>
    /// Has the replica replayed the WAL up to <paramref name="lsn"/>? The highest position seen is kept (replay only
    /// moves forward), so the replica is asked only while a user's own write may not have reached it yet.
    /// </summary>
    internal async Task<bool> HasReplayedAsync(AppDbContext replica, long lsn, CancellationToken ct)
    {
        if (lsn <= Interlocked.Read(ref _replayedLsn)) return true;
        // NULL on a server that is not replaying (e.g. a primary named as replica by mistake): never "caught up".
        var replayed = await replica.Database
            .SqlQueryRaw<long>("""SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0) AS "Value" """)
            .SingleAsync(ct);
        for (var seen = Interlocked.Read(ref _replayedLsn); replayed > seen; seen = Interlocked.Read(ref _replayedLsn))
            if (Interlocked.CompareExchange(ref _replayedLsn, replayed, seen) == seen) break;
        return replayed >= lsn;
    }

    internal static bool IsReplicaFailure(Exception e) => e is NpgsqlException || e.InnerException is NpgsqlException;
}

/// <summary>
/// The context the read-only views use: lists, order and subscription details, exports (API and pages alike).
/// Without a replica it is the request's own context. With one, a read runs on the replica unless
/// <list type="bullet">
/// <item>the request may itself write (any method but GET/HEAD): it reads what it wrote;</item>
/// <item>the signed-in user wrote something the replica has not replayed yet (<see cref="ReadYourWrites"/>);</item>
/// <item>the replica failed within the last <see cref="ReadReplica.RetryAfter"/>, or fails now (then the read
/// runs again on the primary and the failure is logged): never a 500 because of the replica.</item>
/// </list>
/// Writes, sessions, Needs attention and the workers use <see cref="AppDbContext"/> and so always the primary.
/// </summary>
public sealed class ReadDb(AppDbContext primary, IHttpContextAccessor http, ReadReplica? replica = null) : IAsyncDisposable
{
    private AppDbContext? _chosen;
    private AppDbContext? _leased;

    /// <summary>Runs a read where <see cref="ContextAsync"/> says; if the replica fails during it, again on the primary.</summary>
    public async Task<T> ReadAsync<T>(Func<AppDbContext, Task<T>> read, CancellationToken ct)
    {
        var db = await ContextAsync(ct);
        if (ReferenceEquals(db, primary)) return await read(primary);
        try
        {
            return await read(db);
        }
        catch (Exception e) when (ReadReplica.IsReplicaFailure(e) && !ct.IsCancellationRequested)
        {
            replica!.Failed(e);
            _chosen = primary;
            return await read(primary);
        }
    }

    /// <summary>
    /// The context for this request's reads, chosen once. The replica's connection is opened here, so an
    /// unreachable replica falls back before anything is read (exports stream, they cannot start over).
    /// </summary>
    public async ValueTask<AppDbContext> ContextAsync(CancellationToken ct)
    {
        if (_chosen is not null) return _chosen;
        if (replica is null || replica.IsResting || http.HttpContext is not { } request
            || !(HttpMethods.IsGet(request.Request.Method) || HttpMethods.IsHead(request.Request.Method))
            || !ReadYourWrites.TryGetLastWrite(request, out var lastWrite))
            return _chosen = primary;
        _leased = replica.Lease();
        try
        {
            await _leased.Database.OpenConnectionAsync(ct);
            return _chosen = lastWrite is not { } lsn || await replica.HasReplayedAsync(_leased, lsn, ct) ? _leased : primary;
        }
        catch (Exception e) when (ReadReplica.IsReplicaFailure(e) && !ct.IsCancellationRequested)
        {
            replica.Failed(e);
            return _chosen = primary;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_leased is not null) await _leased.DisposeAsync();
    }
}

/// <summary>
/// Read-your-writes across instances. After a signed-in user's request that may have written (any method but
/// GET/HEAD, answered below 400), the primary's current WAL position is stored on the user's row
/// (<c>AspNetUsers.LastWriteLsn</c>) before the answer leaves; the session check that already reads that row on
/// every request (<see cref="Features.Identity.Sessions"/>) brings it along, and <see cref="ReadDb"/> reads that
/// user's views from the replica only once the replica has replayed past it. Any instance sees the same row.
/// </summary>
public static class ReadYourWrites
{
    private static readonly object Key = new();

    /// <summary>Called by the session check with the user's stored position (null: nothing written since there was a replica).</summary>
    public static void Remember(HttpContext http, long? lastWriteLsn) => http.Items[Key] = lastWriteLsn;

    /// <summary>The signed-in user's last write position; false when no session check ran (then the primary is read).</summary>
    internal static bool TryGetLastWrite(HttpContext http, out long? lsn)
    {
        lsn = null;
        if (!http.Items.TryGetValue(Key, out var value)) return false;
        lsn = (long?)value;
        return true;
    }

    /// <summary>Records each signed-in user's writes, when there is a replica (without one nothing is written).</summary>
    public static IApplicationBuilder UseReadYourWrites(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetService<ReadReplica>() is null) return app;
        return app.Use((http, next) =>
        {
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method))
                // Before the answer leaves, so the client's next request (on any instance) already finds it.
                http.Response.OnStarting(() => RecordAsync(http));
            return next(http);
        });
    }

    private static async Task RecordAsync(HttpContext http)
    {
        if (http.Response.StatusCode >= 400 || !Guid.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)) return;
        try
        {
            // The insert position after the request's commits: the replica has them once it replayed past it.
            var db = http.RequestServices.GetRequiredService<AppDbContext>();
            await db.WriteAsync(ct => db.Database.ExecuteSqlInterpolatedAsync(
                $"""UPDATE "AspNetUsers" SET "LastWriteLsn" = (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint WHERE "Id" = {userId}""", ct),
                CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Without the mark the user's next reads may go to the replica; the write itself stands.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReadYourWrites))
                .LogWarning(e, "Could not record user {UserId}'s write for read-your-writes", userId);
        }
    }
}

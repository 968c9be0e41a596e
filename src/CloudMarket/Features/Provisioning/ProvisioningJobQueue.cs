using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Provisioning;

public sealed record ClaimedJob(long Id, long OrderId, int Attempts, string? TraceParent = null);

/// <summary>Claiming outbox rows so that each is worked on by one worker at a time, across instances.</summary>
public static class ProvisioningJobQueue
{
    /// <summary>
    /// The one way into provisioning: adds the outbox row for an order to the caller's unit of work,
    /// so it commits with the order's status change or not at all. A scheduled order's row is due at its
    /// moment (<paramref name="dueAt"/>): no timer that dies with the process, the claim finds it when due.
    /// </summary>
    public static void Enqueue(AppDbContext db, long orderId, DateTime now, DateTime? dueAt = null) =>
        db.ProvisioningJobs.Add(new ProvisioningJob(orderId, now) { DueAt = dueAt is { } due && due > now ? due : now });

    /// <summary>
    /// Leases up to <paramref name="max"/> due jobs in one statement. On PostgreSQL rows another
    /// instance is claiming are skipped (<c>FOR UPDATE SKIP LOCKED</c>) rather than waited for; SQLite
    /// has a single writer, so the statement is atomic there as it is. A job whose lease ran out (its
    /// worker died) is due again.
    /// </summary>
    public static async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(AppDbContext db, string owner, int max, DateTime now, TimeSpan lease,
        CancellationToken ct)
    {
        var sql = ClaimSql(db.IsPostgres);
        return await db.WriteAsync(token => db.Database.SqlQueryRaw<ClaimedJob>(sql, owner, now + lease, now, max).ToListAsync(token), ct);
    }

    /// <summary>The claim: parameters {0} owner, {1} lease end, {2} now, {3} most rows.</summary>
    internal static string ClaimSql(bool postgres)
    {
        var skipLocked = postgres ? "FOR UPDATE SKIP LOCKED" : "";
        return $$"""
            UPDATE "ProvisioningJobs"
            SET "LeaseOwner" = {0}, "LeaseExpiresAt" = {1}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT "Id" FROM "ProvisioningJobs"
                WHERE "CompletedAt" IS NULL AND "DueAt" <= {2} AND ("LeaseExpiresAt" IS NULL OR "LeaseExpiresAt" < {2})
                ORDER BY "DueAt", "Id"
                LIMIT {3}
                {{skipLocked}})
            RETURNING "Id", "OrderId", "Attempts", "TraceParent"
            """;
    }
}

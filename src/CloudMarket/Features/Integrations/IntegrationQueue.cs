using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations;

public sealed record ClaimedEvent(long Id, int Attempts);

public sealed record ClaimedDelivery(long Id, int Attempts, long? EndpointId);

/// <summary>
/// Claims outbox events and deliveries the way <see cref="Provisioning.ProvisioningJobQueue"/> claims
/// jobs: one UPDATE … RETURNING that leases due rows; on PostgreSQL rows another instance is claiming
/// are skipped (<c>FOR UPDATE SKIP LOCKED</c>), SQLite has a single writer. A lease that ran out (its
/// instance died) makes the row due again, so each event is delivered at least once, normally by one instance.
/// </summary>
public static class IntegrationQueue
{
    /// <summary>
    /// Events to fan out. An event waits while an earlier event of the same order is not fanned out,
    /// so the deliveries of one order are created in the order the events happened.
    /// </summary>
    /// <remarks>
    /// Both claims ask only whether the one just before in the sequence is still open: since each waits for the one
    /// before it, that one being done means every earlier one is. Asked as "all earlier ones still open" (NOT EXISTS
    /// … IS NULL), PostgreSQL answered it over the index of open rows whenever its statistics dated from a quiet
    /// spell, one scan of every open row per candidate: 505 ms per claim with 2,000 open deliveries
    /// (docs/performance.md, point 15). The newest earlier row by the (order, id) index is one lookup however many wait.
    /// </remarks>
    public static async Task<IReadOnlyList<ClaimedEvent>> ClaimEventsAsync(AppDbContext db, string owner, int max, DateTime now, TimeSpan lease,
        CancellationToken ct)
    {
        var sql = EventsClaimSql(db.IsPostgres);
        return await db.WriteAsync(token => db.Database.SqlQueryRaw<ClaimedEvent>(sql, owner, now + lease, now, max).ToListAsync(token), ct);
    }

    /// <summary>
    /// Where a delivery goes, for capping what one destination holds in flight: its webhook endpoint, or for an e-mail
    /// (no endpoint) <see cref="MailRelay"/>.
    /// </summary>
    public static long DestinationOf(long? endpointId) => endpointId ?? MailRelay;

    /// <summary>
    /// The destination of every e-mail: the one SMTP relay, capped as one endpoint is, so that a slow or silent relay
    /// cannot take every slot from the webhooks (docs/webhooks.md). Endpoint ids start at 1.
    /// </summary>
    public const long MailRelay = 0;

    /// <summary>
    /// Due deliveries to enabled endpoints (and e-mails). A sequenced webhook delivery waits until every
    /// earlier delivery of the same order to the same endpoint has ended: event N+1 is not sent before N
    /// succeeded there. <paramref name="busyEndpoints"/> (destinations, <see cref="DestinationOf"/>) are left out, so one
    /// slow receiver or mail relay cannot take every slot of this instance.
    /// </summary>
    public static async Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(AppDbContext db, string owner, int max, DateTime now,
        TimeSpan lease, IReadOnlyCollection<long> busyEndpoints, CancellationToken ct)
    {
        var sql = DeliveriesClaimSql(db.IsPostgres, busyEndpoints);
        return await db.WriteAsync(token => db.Database.SqlQueryRaw<ClaimedDelivery>(sql, owner, now + lease, now, max).ToListAsync(token), ct);
    }

    /// <summary>
    /// The deliveries of <paramref name="ids"/> this instance still holds: claimed by it at attempt number
    /// <paramref name="attempts"/> and not taken over since (a takeover is a claim, which moves the number on).
    /// </summary>
    /// <remarks>
    /// Only a delivery's holder ends it, so "not ended yet" needs no test of its own, and must not have one: with
    /// <c>"CompletedAt" IS NULL</c> PostgreSQL combined the open-rows index with the key (a bitmap AND), and that index still
    /// holds an entry for every delivery ended since its table's last vacuum, ~550 pages read for each batch settled,
    /// a third of the database's time in a burst of webhooks (docs/performance.md, point 32; <c>OpenQueuePlanTests</c>).
    /// </remarks>
    public static IQueryable<Delivery> StillHeld(this IQueryable<Delivery> deliveries, List<long> ids, int attempts) =>
        deliveries.Where(d => ids.Contains(d.Id) && d.Attempts == attempts);

    /// <summary>
    /// Saves a fanned-out batch, all or nothing: its <paramref name="deliveries"/>, and its <paramref name="events"/> (as
    /// claimed, not tracked) marked dispatched at <paramref name="now"/> — each only while it is still this claim's, not
    /// re-claimed by another instance since (a claim moves <see cref="IntegrationEvent.Attempts"/> on). False, with
    /// nothing saved, when one of them was re-claimed.
    /// </summary>
    /// <remarks>
    /// On PostgreSQL the events are marked with one statement per attempt number among them (normally one) and the
    /// deliveries inserted with one more, in one transaction: EF Core's tracked updates, one statement per event with
    /// the attempt number as concurrency token, were ~4 statements of every placed order's ~42 (docs/performance.md,
    /// point 37). On SQLite (one writer, in process, behind <see cref="AppDbContext.WriteAsync{T}"/>) EF Core's save
    /// stays: a transaction of several statements there would hold the database's write lock outside that queue.
    /// </remarks>
    public static async Task<bool> SaveDispatchAsync(AppDbContext db, IReadOnlyList<IntegrationEvent> events, IReadOnlyList<Delivery> deliveries,
        DateTime now, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            db.AttachRange(events);
            foreach (var ev in events) ev.DispatchedAt = now;
            try
            {
                await db.SaveChangesWithAsync(deliveries, ct);
                return true;
            }
            catch (DbUpdateConcurrencyException)
            {
                return false;
            }
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var marked = 0;
        foreach (var claim in events.GroupBy(e => e.Attempts, e => e.Id))
        {
            var (ids, attempts) = (claim.ToList(), claim.Key);
            marked += await db.Set<IntegrationEvent>().Where(e => ids.Contains(e.Id) && e.Attempts == attempts)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.DispatchedAt, now), ct);
        }
        if (marked != events.Count) return false; // rolled back as the transaction is disposed
        await db.SaveChangesWithAsync(deliveries, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The events claim: parameters {0} owner, {1} lease end, {2} now, {3} most rows.</summary>
    internal static string EventsClaimSql(bool postgres)
    {
        var skipLocked = postgres ? "FOR UPDATE SKIP LOCKED" : "";
        return $$"""
            UPDATE "IntegrationEvents"
            SET "LeaseOwner" = {0}, "LeaseExpiresAt" = {1}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT e."Id" FROM "IntegrationEvents" e
                WHERE e."DispatchedAt" IS NULL AND e."DueAt" <= {2} AND (e."LeaseExpiresAt" IS NULL OR e."LeaseExpiresAt" < {2})
                  AND NOT COALESCE((SELECT p."DispatchedAt" IS NULL FROM "IntegrationEvents" p
                                    WHERE p."OrderId" = e."OrderId" AND p."Id" < e."Id"
                                    ORDER BY p."Id" DESC LIMIT 1), FALSE)
                ORDER BY e."Id"
                LIMIT {3}
                {{skipLocked}})
            RETURNING "Id", "Attempts"
            """;
    }

    /// <summary>The deliveries claim: parameters {0} owner, {1} lease end, {2} now, {3} most rows.</summary>
    internal static string DeliveriesClaimSql(bool postgres, IReadOnlyCollection<long> busyEndpoints)
    {
        var skipLocked = postgres ? "FOR UPDATE SKIP LOCKED" : "";
        // Endpoint ids are numbers of ours, never client text: safe to write into the statement.
        var endpoints = busyEndpoints.Where(e => e != MailRelay).ToList();
        var notBusy = endpoints.Count == 0 ? "" : $"d.\"EndpointId\" NOT IN ({string.Join(",", endpoints)})";
        var busy = (busyEndpoints.Contains(MailRelay), notBusy) switch
        {
            (false, "") => "",
            (false, _) => $"AND (d.\"EndpointId\" IS NULL OR {notBusy})",
            (true, "") => "AND d.\"EndpointId\" IS NOT NULL",
            (true, _) => $"AND d.\"EndpointId\" IS NOT NULL AND {notBusy}",
        };
        return $$"""
            UPDATE "Deliveries"
            SET "LeaseOwner" = {0}, "LeaseExpiresAt" = {1}, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT d."Id" FROM "Deliveries" d
                WHERE d."CompletedAt" IS NULL AND d."DueAt" <= {2} AND (d."LeaseExpiresAt" IS NULL OR d."LeaseExpiresAt" < {2})
                  AND (d."EndpointId" IS NULL OR EXISTS (SELECT 1 FROM "WebhookEndpoints" w WHERE w."Id" = d."EndpointId" AND w."Enabled"))
                  AND NOT (d."Sequenced" AND COALESCE((SELECT p."CompletedAt" IS NULL FROM "Deliveries" p
                           WHERE p."EndpointId" = d."EndpointId" AND p."OrderId" = d."OrderId" AND p."Sequenced"
                             AND p."Sequence" < d."Sequence"
                           ORDER BY p."Sequence" DESC LIMIT 1), FALSE))
                  {{busy}}
                ORDER BY d."DueAt", d."Id"
                LIMIT {3}
                {{skipLocked}})
            RETURNING "Id", "Attempts", "EndpointId"
            """;
    }
}

using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Provisions one claimed order: marks its pending items as sent, sends them to their vendors
/// concurrently, records every answer and, when the last item is settled, completes the order and
/// applies it to the subscriptions, all in the transaction that ends the job. Every step can be
/// repeated after a crash: items are re-sent with the same idempotency keys, and answers for items
/// already settled change nothing.
/// </summary>
public sealed class OrderProvisioner(
    IServiceScopeFactory scopes,
    IOptions<ProvisioningOptions> options,
    ProvisioningMetrics metrics,
    TimeProvider clock,
    ILogger<OrderProvisioner> logger)
{
    private const int MaxSaveAttempts = 5;
    private readonly SemaphoreSlim _vendorCalls = new(options.Value.MaxConcurrentVendorCalls);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task ProcessAsync(ClaimedJob job, string owner, CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["OrderNumber"] = job.OrderId, ["ProvisioningJob"] = job.Id });
        // Joins the trace of the request that placed the order; vendor calls and the outbox events of this job go under it.
        using var activity = Infrastructure.AppTelemetry.StartFromStored(Infrastructure.AppTelemetry.Provisioning, "provision order", job.TraceParent, job.OrderId);
        activity?.SetTag("cloudmarket.provisioning.attempt", job.Attempts);
        // One unit of work from start to settle: the order read to start it is the one the answers are
        // recorded on, so settling does not read it again (docs/performance.md). No connection is held while
        // the vendors answer: EF Core opens one per statement.
        await using var work = scopes.CreateAsyncScope();
        var db = work.ServiceProvider.GetRequiredService<AppDbContext>();
        var started = await StartAsync(db, job, ct);
        if (started.Requests is null)
        {
            await SettleAsync(db, started.Order, job, owner, [], ct);
            return;
        }
        // The connectors are typed HttpClients: taken per job, not held by this singleton, so the
        // client factory can renew their handlers.
        var connectors = work.ServiceProvider.GetServices<IVendorConnector>().ToDictionary(c => c.Api);
        var answers = await Task.WhenAll(started.Requests.Select(r => SendAsync(connectors, r, ct)));
        await SettleAsync(db, started.Order, job, owner, answers, ct);
    }

    /// <summary>
    /// Marks pending items as sent and builds the vendor requests; no requests when the order needs nothing
    /// from vendors. The order comes back tracked (null when it is gone).
    /// </summary>
    private async Task<(Order? Order, List<ItemRequest>? Requests)> StartAsync(AppDbContext db, ClaimedJob job, CancellationToken ct)
    {
        // The order with its items and its customer's name, in one statement.
        var loaded = await db.Orders.WithItems(db).Where(o => o.Id == job.OrderId)
            .Select(o => new { Order = o, CustomerName = db.Organizations.Where(c => c.Id == o.CustomerId).Select(c => c.Name).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        var order = loaded?.Order;
        // A cancelled scheduled order (or one settled meanwhile) needs nothing; a scheduled one runs once due.
        if (order is null || !(OrderLifecycle.IsWithVendors(order.Status) || order.IsDue(Now)))
            return (order, null);
        if (order.Status is OrderStatus.InProgress or OrderStatus.Scheduled || order.PendingItems.Any())
        {
            order.StartProvisioning(Now);
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Order {OrderNumber} sent to the vendors (attempt {Attempt})", order.Id, job.Attempts);
        }

        var sent = order.Items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningStarted).ToList();
        var subscriptionIds = sent.Where(i => i.SubscriptionId is not null).Select(i => i.SubscriptionId!.Value).ToList();
        // New subscriptions (most orders) name none: no round trip for them.
        var subscriptions = subscriptionIds.Count == 0
            ? []
            : await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id))
                .Select(s => new { s.Id, s.VendorSubscriptionId, s.TenantName }).ToDictionaryAsync(s => s.Id, ct);
        var vendors = await VendorApisAsync(db, sent.Where(i => !i.IsMarkupChange).Select(i => i.VendorId), ct);

        return (order, sent.Select(item =>
        {
            var subscription = item.SubscriptionId is { } id && subscriptions.TryGetValue(id, out var s) ? s : null;
            var request = new VendorRequest(item.IdempotencyKey, item.Kind, item.OfferId, item.Quantity, item.BillingCycle,
                item.Addons.Select(a => (a.OfferId, a.Quantity)).ToList(),
                // Subscriptions bought before this platform talked to the vendor are known there by our id.
                subscription?.VendorSubscriptionId ?? subscription?.Id.ToString(),
                item.TenantName ?? subscription?.TenantName, item.AdminContact, item.AutoRenew, order.CustomerId, loaded!.CustomerName ?? "");
            return new ItemRequest(item.Id, item.IsMarkupChange ? null : vendors[item.VendorId], item.VendorName, request);
        }).ToList());
    }

    /// <summary>
    /// Which API each vendor speaks: the vendors are the catalog's, set by the seeding and migrations, so
    /// they are read once per process (and again only when an order names one not seen yet), not per order.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, VendorApi>> VendorApisAsync(AppDbContext db, IEnumerable<string> needed, CancellationToken ct)
    {
        var known = _vendorApis;
        if (known is not null && needed.All(known.ContainsKey)) return known;
        return _vendorApis = await db.Vendors.AsNoTracking().ToDictionaryAsync(v => v.Id, v => v.Api, ct);
    }

    private volatile IReadOnlyDictionary<string, VendorApi>? _vendorApis;

    /// <summary>One item's round trip. Null answer: the vendor could not be reached; the item is sent again later.</summary>
    private async Task<ItemAnswer> SendAsync(Dictionary<VendorApi, IVendorConnector> connectors, ItemRequest item, CancellationToken ct)
    {
        // The markup is the seller's own business: nothing to ask a vendor.
        if (item.Api is not { } api)
            return new ItemAnswer(item.ItemId, VendorAnswer.Success(null), null);

        await _vendorCalls.WaitAsync(ct);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var answer = await connectors[api].SendAsync(item.Request, ct);
            metrics.VendorCall(item.VendorName, answer.Succeeded ? "succeeded" : "rejected", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!answer.Succeeded)
                logger.LogWarning("{Vendor} rejected item {ItemId}: {ErrorCode} {ErrorMessage}", item.VendorName, item.ItemId, answer.ErrorCode, answer.ErrorMessage);
            return new ItemAnswer(item.ItemId, answer, null);
        }
        catch (VendorUnavailableException e)
        {
            metrics.VendorCall(item.VendorName, "unavailable", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            logger.LogWarning("{Vendor} unavailable for item {ItemId}: {Reason}", item.VendorName, item.ItemId, e.Message);
            return new ItemAnswer(item.ItemId, null, e.Message);
        }
        finally
        {
            _vendorCalls.Release();
        }
    }

    /// <summary>
    /// Records the answers and ends or reschedules the job in one transaction. A concurrent change of
    /// the order (a note, another worker) makes the save fail; then everything is read again and
    /// re-applied, which is safe because answers to settled items are ignored.
    /// </summary>
    private async Task SettleAsync(AppDbContext db, Order? started, ClaimedJob claimed, string owner, IReadOnlyList<ItemAnswer> answers,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                // What the failed save left in the unit of work is stale: read everything again.
                db.ChangeTracker.Clear();
                started = null;
            }
            var job = await db.ProvisioningJobs.SingleAsync(j => j.Id == claimed.Id, ct);
            // The order as started (tracked; its version guards the save), else read now.
            var order = started ?? await db.Orders.WithItems(db).SingleOrDefaultAsync(o => o.Id == claimed.OrderId, ct);
            var now = Now;
            var giveUp = job.Attempts >= options.Value.MaxAttempts;

            if (order?.Status == OrderStatus.ProvisioningStarted)
                foreach (var answer in answers)
                {
                    if (answer.Answer is { } a)
                        a.ApplyTo(order, answer.ItemId, now);
                    else if (giveUp)
                        order.RecordItemRejected(answer.ItemId, OrderItem.VendorUnavailableCode,
                            $"The vendor could not be reached after {job.Attempts} attempts ({answer.Error}). Retry the order to send it again.", now);
                }
            if (order?.Status == OrderStatus.ProvisioningFinished)
                await OrderCompletion.CompleteAsync(db, order, now, ct);

            var settled = order is null || !OrderLifecycle.IsInFlight(order.Status);
            if (job.LeaseOwner == owner && job.CompletedAt is null)
            {
                if (order is { Status: OrderStatus.Scheduled })
                {
                    // Claimed before its moment (another instance's clock ran ahead): back to waiting for it.
                    settled = false;
                    job.DueAt = order.ScheduledFor is { } due && due > now ? due : now + Backoff(job.Attempts);
                    job.LeaseOwner = null;
                    job.LeaseExpiresAt = null;
                }
                else if (settled)
                {
                    job.CompletedAt = now;
                    job.LastError = null;
                }
                else
                {
                    // Some vendor did not answer: give the lease back and come again after a backoff.
                    job.DueAt = now + Backoff(job.Attempts);
                    job.LeaseOwner = null;
                    job.LeaseExpiresAt = null;
                    job.LastError = Truncate(string.Join("; ", answers.Where(a => a.Answer is null).Select(a => a.Error)), 2000);
                }
            }

            try
            {
                await db.SaveChangesAsync(ct);
                if (settled && order is not null)
                {
                    metrics.OrderSettled(ApiNames.Of(order.Status));
                    logger.LogInformation("Order {OrderNumber} provisioned: {Status}", order.Id, ApiNames.Of(order.Status));
                }
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxSaveAttempts)
            {
                logger.LogDebug("Order {OrderNumber} changed meanwhile; recording the answers again", claimed.OrderId);
            }
        }
    }

    /// <summary>After an unexpected failure: give the job back to be tried again after a backoff.</summary>
    public async Task ReleaseAsync(ClaimedJob claimed, string owner, Exception error)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = Now;
        var due = now + Backoff(claimed.Attempts);
        var message = Truncate($"{error.GetType().Name}: {error.Message}", 2000);
        await db.WriteAsync(ct => db.ProvisioningJobs
            .Where(j => j.Id == claimed.Id && j.LeaseOwner == owner && j.CompletedAt == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(j => j.DueAt, due)
                .SetProperty(j => j.LastError, message), ct), CancellationToken.None);
    }

    private TimeSpan Backoff(int attempts)
    {
        var baseMs = options.Value.RetryDelayMs * Math.Pow(2, Math.Min(attempts - 1, 10));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble() / 2));
    }

    private static string? Truncate(string text, int max) => text.Length == 0 ? null : text.Length <= max ? text : text[..max];

    private sealed record ItemRequest(Guid ItemId, VendorApi? Api, string VendorName, VendorRequest Request);

    private sealed record ItemAnswer(Guid ItemId, VendorAnswer? Answer, string? Error);
}

using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Provisions claimed orders a batch at a time (docs/provisioning.md, docs/performance.md point 35): the batch's orders
/// are read in one statement and marked as sent in one save, their items go to their vendors side by side, and the
/// orders whose answers are in are settled together, as the answers come (one read of their jobs, one save; a slow
/// vendor holds back only its own orders). When the last item of an order is settled, the order is completed and
/// applied to the subscriptions in that save. Each order keeps its own trace and its own events. Whatever fails for
/// the batch as a whole (one order changed meanwhile, one order's data) is done again an order at a time, each in a
/// unit of work of its own, so only the order at fault waits. Every step can be repeated after a crash: items are
/// re-sent with the same idempotency keys, and answers for items already settled change nothing.
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

    /// <summary>
    /// Provisions these claimed jobs' orders. Throws only when <paramref name="ct"/> is cancelled (the leases then run out
    /// and the jobs are claimed again); an order that fails is given back to be tried again after a backoff.
    /// </summary>
    public async Task ProcessAsync(IReadOnlyList<ClaimedJob> jobs, string owner, CancellationToken ct)
    {
        // Each order's span joins the trace of the request that placed it; its vendor calls and its events go under it.
        var runs = jobs.Select(job => new Run(job, AppTelemetry.StartFromStored(AppTelemetry.Provisioning, "provision order", job.TraceParent, job.OrderId)))
            .ToList();
        foreach (var run in runs) run.Activity?.SetTag("cloudmarket.provisioning.attempt", run.Job.Attempts);
        Activity.Current = null;
        try
        {
            await ProcessTogetherAsync(runs, owner, ct);
        }
        finally
        {
            foreach (var run in runs) run.Activity?.Dispose();
        }
    }

    private async Task ProcessTogetherAsync(List<Run> runs, string owner, CancellationToken ct)
    {
        // One unit of work from start to settle: the orders read to start them are the ones the answers are recorded on,
        // so settling does not read them again. No connection is held while the vendors answer: EF Core opens one per statement.
        await using var work = scopes.CreateAsyncScope();
        var db = work.ServiceProvider.GetRequiredService<AppDbContext>();
        try
        {
            await StartAsync(db, runs, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && runs.Count > 1)
        {
            // Nothing of the batch was saved: one order at a time, so that only the one at fault waits.
            logger.LogWarning(e, "Starting a batch of {Count} orders failed; starting them one by one", runs.Count);
            await Task.WhenAll(runs.Select(run => ProcessAloneAsync(run, owner, ct)));
            return;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await ReleaseAsync(runs[0], owner, e);
            return;
        }

        // The connectors are typed HttpClients: taken per batch, not held by this singleton, so the client factory can
        // renew their handlers.
        var connectors = work.ServiceProvider.GetServices<IVendorConnector>().ToDictionary(c => c.Api);
        foreach (var run in runs)
            run.Answers = InTraceAsync(run, () => SendAllAsync(connectors, run.Requests, ct));

        var together = true;
        for (var pending = runs; pending.Count > 0;)
        {
            await Task.WhenAny(pending.Select(r => r.Answers));
            var ready = pending.Where(r => r.Answers.IsCompleted).ToList();
            pending = pending.Except(ready).ToList();
            if (!together || !await SettleTogetherAsync(db, ready, owner, ct))
            {
                // A failed save leaves its unit of work stale: these orders, and every one answered after them, settle alone.
                together = false;
                await Task.WhenAll(ready.Select(run => SettleAloneAsync(run, owner, ct)));
            }
            // An order's span ends when it is settled, not with its batch.
            foreach (var run in ready) run.Activity?.Dispose();
        }
    }

    /// <summary>One order on its own, in a unit of work of its own: after its batch could not be started together.</summary>
    private async Task ProcessAloneAsync(Run run, string owner, CancellationToken ct)
    {
        try
        {
            await using var work = scopes.CreateAsyncScope();
            var db = work.ServiceProvider.GetRequiredService<AppDbContext>();
            await StartAsync(db, [run], ct);
            var connectors = work.ServiceProvider.GetServices<IVendorConnector>().ToDictionary(c => c.Api);
            run.Answers = InTraceAsync(run, () => SendAllAsync(connectors, run.Requests, ct));
            await run.Answers;
            if (!await SettleTogetherAsync(db, [run], owner, ct))
                await SettleAloneAsync(run, owner, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await ReleaseAsync(run, owner, e);
        }
    }

    /// <summary>
    /// Marks the orders' pending items as sent (one read, one save) and builds their vendor requests; no requests for an
    /// order that needs nothing from vendors (gone, cancelled while scheduled, settled meanwhile, not yet due). The
    /// orders stay tracked in <paramref name="db"/>.
    /// </summary>
    private async Task StartAsync(AppDbContext db, IReadOnlyList<Run> runs, CancellationToken ct)
    {
        var orderIds = runs.Select(r => r.Job.OrderId).ToList();
        // The orders with their items and their customers' names, in one statement.
        var loaded = await db.Orders.WithItems(db).Where(o => orderIds.Contains(o.Id))
            .Select(o => new { Order = o, CustomerName = db.Organizations.Where(c => c.Id == o.CustomerId).Select(c => c.Name).FirstOrDefault() })
            .ToDictionaryAsync(x => x.Order.Id, ct);
        var now = Now;
        var starting = new List<Run>();
        foreach (var run in runs)
        {
            var found = loaded.GetValueOrDefault(run.Job.OrderId);
            run.Order = found?.Order;
            run.CustomerName = found?.CustomerName ?? "";
            if (run.Order is not { } order) continue;
            // The order's events carry its own trace, whichever orders share the save.
            OrderTraces.Set(order, run.Activity?.Id);
            // A cancelled scheduled order (or one settled meanwhile) needs nothing; a scheduled one runs once due.
            if (!(OrderLifecycle.IsWithVendors(order.Status) || order.IsDue(now))) continue;
            if (order.Status is OrderStatus.InProgress or OrderStatus.Scheduled || order.PendingItems.Any())
            {
                order.StartProvisioning(now);
                starting.Add(run);
            }
            run.Sent = order.Items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningStarted).ToList();
        }
        if (starting.Count > 0)
        {
            await db.SaveChangesAsync(ct);
            foreach (var run in starting)
                logger.LogInformation("Order {OrderNumber} sent to the vendors (attempt {Attempt})", run.Job.OrderId, run.Job.Attempts);
        }

        var sent = runs.Where(r => r.Sent is not null).SelectMany(r => r.Sent!).ToList();
        var subscriptionIds = sent.Where(i => i.SubscriptionId is not null).Select(i => i.SubscriptionId!.Value).Distinct().ToList();
        // New subscriptions (most orders) name none: no round trip for them.
        var subscriptions = subscriptionIds.Count == 0
            ? []
            : await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id))
                .Select(s => new { s.Id, s.VendorSubscriptionId, s.TenantName }).ToDictionaryAsync(s => s.Id, ct);
        var vendors = await VendorApisAsync(db, sent.Where(i => !i.IsMarkupChange).Select(i => i.VendorId), ct);

        foreach (var run in runs.Where(r => r.Sent is not null))
        {
            var order = run.Order!;
            run.Requests = run.Sent!.Select(item =>
            {
                var subscription = item.SubscriptionId is { } id && subscriptions.TryGetValue(id, out var s) ? s : null;
                var request = new VendorRequest(item.IdempotencyKey, item.Kind, item.OfferId, item.Quantity, item.BillingCycle,
                    item.Addons.Select(a => (a.OfferId, a.Quantity)).ToList(),
                    // Subscriptions bought before this platform talked to the vendor are known there by our id.
                    subscription?.VendorSubscriptionId ?? subscription?.Id.ToString(),
                    item.TenantName ?? subscription?.TenantName, item.AdminContact, item.AutoRenew, order.CustomerId, run.CustomerName);
                return new ItemRequest(item.Id, item.IsMarkupChange ? null : vendors[item.VendorId], item.VendorName, request);
            }).ToList();
        }
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

    /// <summary>An order's items sent side by side; none when it needs nothing from vendors.</summary>
    private async Task<ItemAnswer[]> SendAllAsync(Dictionary<VendorApi, IVendorConnector> connectors, List<ItemRequest>? requests, CancellationToken ct) =>
        requests is null ? [] : await Task.WhenAll(requests.Select(r => SendAsync(connectors, r, ct)));

    /// <summary>Runs one order's part under its span and log scope: what it awaits sees them, and the caller does not.</summary>
    private async Task<T> InTraceAsync<T>(Run run, Func<Task<T>> work)
    {
        Activity.Current = run.Activity;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["OrderNumber"] = run.Job.OrderId, ["ProvisioningJob"] = run.Job.Id });
        return await work();
    }

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
    /// Records the answered orders' answers and ends or reschedules their jobs in one save, on the orders as started in
    /// <paramref name="db"/>. False when the save (or an order's settling) failed: nothing of it was saved, and the
    /// caller settles them one by one (<see cref="SettleAloneAsync"/>).
    /// </summary>
    private async Task<bool> SettleTogetherAsync(AppDbContext db, List<Run> ready, string owner, CancellationToken ct)
    {
        try
        {
            var jobIds = ready.Select(r => r.Job.Id).ToList();
            var jobs = await db.ProvisioningJobs.Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
            var now = Now;
            var settled = new List<Run>();
            foreach (var run in ready)
                if (await ApplyAsync(db, run, jobs[run.Job.Id], run.Order, owner, now, ct))
                    settled.Add(run);
            await db.SaveChangesAsync(ct);
            Settled(settled);
            return true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A concurrent change of an order (a note, another worker) is the usual cause: it is read again alone.
            if (e is DbUpdateConcurrencyException)
                logger.LogDebug("One of {Count} answered orders changed meanwhile; recording their answers one by one", ready.Count);
            else
                logger.LogWarning(e, "Recording the answers of {Count} orders together failed; recording them one by one", ready.Count);
            return false;
        }
    }

    /// <summary>
    /// Records one order's answers in a unit of work of its own, reading the job and the order afresh: after a save of
    /// several failed. A concurrent change of the order makes the save fail; then everything is read again and re-applied,
    /// which is safe because answers to settled items are ignored. Anything else gives the job back.
    /// </summary>
    private async Task SettleAloneAsync(Run run, string owner, CancellationToken ct)
    {
        try
        {
            await using var work = scopes.CreateAsyncScope();
            var db = work.ServiceProvider.GetRequiredService<AppDbContext>();
            for (var attempt = 1; ; attempt++)
            {
                db.ChangeTracker.Clear();
                var job = await db.ProvisioningJobs.SingleAsync(j => j.Id == run.Job.Id, ct);
                var order = await db.Orders.WithItems(db).SingleOrDefaultAsync(o => o.Id == run.Job.OrderId, ct);
                var settled = await ApplyAsync(db, run, job, order, owner, Now, ct);
                try
                {
                    await db.SaveChangesAsync(ct);
                    if (settled) Settled([run]);
                    return;
                }
                catch (DbUpdateConcurrencyException) when (attempt < MaxSaveAttempts)
                {
                    logger.LogDebug("Order {OrderNumber} changed meanwhile; recording the answers again", run.Job.OrderId);
                }
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            await ReleaseAsync(run, owner, e);
        }
    }

    /// <summary>
    /// One order's answers on its tracked order and job (the caller saves): the items' outcomes, the completion when the last
    /// is in, and the job ended, or given back to wait (a vendor did not answer; a scheduled order claimed early). True when
    /// the order has left provisioning.
    /// </summary>
    private async Task<bool> ApplyAsync(AppDbContext db, Run run, ProvisioningJob job, Order? order, string owner, DateTime now, CancellationToken ct)
    {
        var answers = await run.Answers;
        var giveUp = job.Attempts >= options.Value.MaxAttempts;
        if (order is not null) OrderTraces.Set(order, run.Activity?.Id);
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
        run.Order = order;
        return settled;
    }

    private void Settled(IEnumerable<Run> settled)
    {
        foreach (var run in settled)
            if (run.Order is { } order)
            {
                metrics.OrderSettled(ApiNames.Of(order.Status));
                logger.LogInformation("Order {OrderNumber} provisioned: {Status}", order.Id, ApiNames.Of(order.Status));
            }
    }

    /// <summary>
    /// After an unexpected failure of one order: logged, and its job given back to be tried again after a backoff (should
    /// that fail too, its lease runs out).
    /// </summary>
    private async Task ReleaseAsync(Run run, string owner, Exception error)
    {
        logger.LogError(error, "Provisioning order {OrderNumber} failed; it will be tried again", run.Job.OrderId);
        try
        {
            await ReleaseJobAsync(run.Job, owner, error);
        }
        catch (Exception releaseError)
        {
            logger.LogError(releaseError, "Releasing job {JobId} failed; its lease will run out", run.Job.Id);
        }
    }

    /// <summary>The job back to the queue, due after a backoff, if this worker still holds it.</summary>
    private async Task ReleaseJobAsync(ClaimedJob claimed, string owner, Exception error)
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

    /// <summary>One claimed order on its way through a batch.</summary>
    private sealed class Run(ClaimedJob job, Activity? activity)
    {
        public ClaimedJob Job { get; } = job;
        public Activity? Activity { get; } = activity;
        /// <summary>The order as read to start it (tracked); null when it is gone.</summary>
        public Order? Order { get; set; }
        public string CustomerName { get; set; } = "";
        /// <summary>The items out with the vendors; null when the order needs nothing from them.</summary>
        public List<OrderItem>? Sent { get; set; }
        public List<ItemRequest>? Requests { get; set; }
        public Task<ItemAnswer[]> Answers { get; set; } = Task.FromResult<ItemAnswer[]>([]);
    }

    private sealed record ItemRequest(Guid ItemId, VendorApi? Api, string VendorName, VendorRequest Request);

    private sealed record ItemAnswer(Guid ItemId, VendorAnswer? Answer, string? Error);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using CloudMarket.Data;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Integrations;

/// <summary>
/// Every instance runs one: fans outbox events out into deliveries (a claimed batch at a time), and sends
/// due deliveries (webhook calls and e-mails), up to <see cref="IntegrationOptions.MaxConcurrentDeliveries"/>
/// at once, recording every attempt and rescheduling failures on the retry schedule. The two run side by
/// side, so a fan-out round never waits for calls and calls never wait for a fan-out round. Leases in the
/// rows keep instances apart (<see cref="IntegrationQueue"/>).
/// </summary>
public sealed class IntegrationDispatcher(
    IServiceScopeFactory scopes,
    EventFanOut fanOut,
    WebhookSender webhooks,
    EmailTransport email,
    EmailNotifications notifications,
    IntegrationSignal signal,
    IntegrationMetrics metrics,
    IOptions<IntegrationOptions> options,
    IOptions<WebhookOptions> webhookOptions,
    TimeProvider clock,
    ILogger<IntegrationDispatcher> logger) : BackgroundService
{
    public string InstanceName { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Batches of deliveries being sent, by a number of their own.</summary>
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private long _batches;

    /// <summary>Deliveries being sent (webhooks and e-mails), against <see cref="IntegrationOptions.MaxConcurrentDeliveries"/>.</summary>
    private int _inFlight;

    /// <summary>
    /// Where each running delivery goes (<see cref="IntegrationQueue.DestinationOf"/>: its endpoint, or the mail relay), to
    /// cap what one destination holds at <see cref="WebhookOptions.MaxConcurrentPerEndpoint"/>.
    /// </summary>
    private readonly ConcurrentDictionary<long, long> _calling = new();

    /// <summary>Deliveries sent together and recorded in one save.</summary>
    private const int DeliveryBatch = 16;

    /// <summary>
    /// E-mails sent together, one after another on one SMTP connection, each waiting for the relay's answer: fewer than a
    /// webhook batch, so that the mails' share of the slots (one destination's cap, 64 of 128) is still eight connections.
    /// With sixteen it was four, and on the benchmark's busy machine they carried 1.6 of an order's 3 mails as they came
    /// (docs/performance.md, point 54).
    /// </summary>
    private const int MailBatch = 8;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        logger.LogInformation("Integration dispatcher {Instance} started", InstanceName);
        await Task.WhenAll(LoopAsync("Fanning out integration events", FanOutAsync, signal.WaitForEventsAsync, stop),
            LoopAsync("Dispatching deliveries", DeliverAsync, signal.WaitForDeliveriesAsync, stop));
        await Task.WhenAll(_running.Values);
    }

    /// <summary>Runs rounds while they are full; waits for a signal (or the poll interval) after one that was not.</summary>
    private async Task LoopAsync(string what, Func<CancellationToken, Task<bool>> round, Func<TimeSpan, CancellationToken, Task<bool>> wait,
        CancellationToken stop)
    {
        var idle = TimeSpan.FromMilliseconds(options.Value.PollIntervalMs);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!await round(stop))
                    await wait(idle, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{What} failed; trying again shortly", what);
                try { await wait(idle, stop); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    // ---- fan-out ------------------------------------------------------------------------

    /// <summary>One batch of events; true when it was full (more may be waiting).</summary>
    private async Task<bool> FanOutAsync(CancellationToken ct)
    {
        IReadOnlyList<ClaimedEvent> claimed;
        await using (var scope = scopes.CreateAsyncScope())
            claimed = await IntegrationQueue.ClaimEventsAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), InstanceName,
                options.Value.FanOutBatch, Now, Lease, ct);
        if (claimed.Count == 0) return false;
        try
        {
            await FanOutBatchAsync(claimed, ct);
        }
        catch (Exception e) when (claimed.Count > 1 && (e is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            // One event's data may be what fails: fan the batch out one event at a time, so only that one waits.
            logger.LogWarning(e, "Fanning out a batch of {Count} integration events failed; trying them one by one", claimed.Count);
            foreach (var c in claimed)
                await FanOutOneAsync(c, ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await PostponeAsync(claimed[0], e);
        }
        return claimed.Count == options.Value.FanOutBatch;
    }

    private async Task FanOutOneAsync(ClaimedEvent claimed, CancellationToken ct)
    {
        try
        {
            await FanOutBatchAsync([claimed], ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await PostponeAsync(claimed, e);
        }
    }

    /// <summary>An event whose fan-out failed is tried again in 5 s (nothing of it was saved).</summary>
    private async Task PostponeAsync(ClaimedEvent c, Exception e)
    {
        logger.LogError(e, "Fanning out integration event {EventRow} failed; it will be tried again", c.Id);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var due = Now + TimeSpan.FromSeconds(5);
        await db.WriteAsync(token => db.Set<IntegrationEvent>()
            .Where(x => x.Id == c.Id && x.Attempts == c.Attempts && x.DispatchedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LeaseOwner, (string?)null).SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(x => x.DueAt, due), token), CancellationToken.None);
    }

    /// <summary>
    /// The batch's deliveries and its events' dispatch in one transaction: all of them or none (at least once,
    /// and never twice from here).
    /// </summary>
    private async Task FanOutBatchAsync(IReadOnlyList<ClaimedEvent> claimed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var attempts = claimed.ToDictionary(c => c.Id, c => c.Attempts);
        var ids = attempts.Keys.ToList();
        // Not tracked: IntegrationQueue.SaveDispatchAsync marks them.
        var events = (await db.Set<IntegrationEvent>().AsNoTracking().Where(e => ids.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync(ct))
            .Where(e => e.Attempts == attempts[e.Id] && e.DispatchedAt is null).ToList();
        if (events.Count == 0) return;
        var now = Now;
        var deliveries = await fanOut.FanOutAsync(db, events, now, ct);
        // If another instance re-claimed an event meanwhile (this one's lease ran out), nothing of the batch is saved,
        // its deliveries included.
        if (await IntegrationQueue.SaveDispatchAsync(db, events, deliveries, now, ct))
            signal.NotifyDeliveries();
        else
        {
            logger.LogInformation("An integration event of a batch of {Count} was taken over by another instance; the rest are given back", events.Count);
            await using var again = scopes.CreateAsyncScope();
            var fresh = again.ServiceProvider.GetRequiredService<AppDbContext>();
            await fresh.WriteAsync(token => fresh.Set<IntegrationEvent>()
                .Where(x => ids.Contains(x.Id) && x.LeaseOwner == InstanceName && x.DispatchedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.LeaseOwner, (string?)null).SetProperty(x => x.LeaseExpiresAt, (DateTime?)null),
                    token), CancellationToken.None);
        }
    }

    // ---- deliveries ---------------------------------------------------------------------

    /// <summary>Claims what the free slots allow and starts sending it, one batch per endpoint; true when the claim was full.</summary>
    private async Task<bool> DeliverAsync(CancellationToken ct)
    {
        foreach (var (id, task) in _running)
            if (task.IsCompleted) _running.TryRemove(id, out _);
        var free = options.Value.MaxConcurrentDeliveries - Volatile.Read(ref _inFlight);
        if (free <= 0) return false;
        var claimed = await ClaimAsync(free, ct);
        // Batches of at most DeliveryBatch (MailBatch e-mails), so that one endpoint has several in flight: each records
        // its attempts when its own calls are answered, and its slots are claimed again while the others are still out.
        foreach (var deliveries in (await KeepPerDestinationCapAsync(claimed)).GroupBy(d => d.EndpointId)
                     .SelectMany(g => g.Chunk(g.Key is null ? MailBatch : DeliveryBatch)))
        {
            Interlocked.Add(ref _inFlight, deliveries.Length);
            foreach (var d in deliveries)
                _calling[d.Id] = IntegrationQueue.DestinationOf(d.EndpointId);
            _running[Interlocked.Increment(ref _batches)] = RunAsync(deliveries, ct);
        }
        return claimed.Count == free;
    }

    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int max, CancellationToken ct)
    {
        var busy = _calling.Values.GroupBy(e => e)
            .Where(g => g.Count() >= options.Value.MaxConcurrentPerEndpoint).Select(g => g.Key).ToList();
        await using var scope = scopes.CreateAsyncScope();
        return await IntegrationQueue.ClaimDeliveriesAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), InstanceName,
            max, Now, Lease, busy, ct);
    }

    /// <summary>A batch may hold more deliveries to one destination than it may have in flight: give the extras back at once.</summary>
    private async Task<IReadOnlyList<ClaimedDelivery>> KeepPerDestinationCapAsync(IReadOnlyList<ClaimedDelivery> claimed)
    {
        var cap = options.Value.MaxConcurrentPerEndpoint;
        var inFlight = _calling.Values.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        var keep = new List<ClaimedDelivery>();
        var extra = new List<long>();
        foreach (var d in claimed)
        {
            var destination = IntegrationQueue.DestinationOf(d.EndpointId);
            if (inFlight.GetValueOrDefault(destination) >= cap)
            {
                extra.Add(d.Id);
                continue;
            }
            inFlight[destination] = inFlight.GetValueOrDefault(destination) + 1;
            keep.Add(d);
        }
        if (extra.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.WriteAsync(token => db.Set<Delivery>().Where(d => extra.Contains(d.Id) && d.LeaseOwner == InstanceName)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null),
                    token), CancellationToken.None);
        }
        return keep;
    }

    private async Task RunAsync(IReadOnlyList<ClaimedDelivery> claimed, CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            await DeliverBatchAsync(claimed, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down: the leases run out and the deliveries are tried again (at least once).
        }
        catch (Exception e)
        {
            logger.LogError(e, "Deliveries {DeliveryIds} failed unexpectedly; their leases will run out and they are tried again",
                string.Join(",", claimed.Select(c => c.Id)));
        }
        finally
        {
            foreach (var c in claimed) _calling.TryRemove(c.Id, out _);
            Interlocked.Add(ref _inFlight, -claimed.Count);
            signal.NotifyDeliveries();
        }
    }

    /// <summary>
    /// Deliveries to one endpoint (or e-mails): read in one statement, sent side by side (the claim never gives two
    /// of one order to one endpoint: an order's next event waits for this one), their attempts (one insert) and
    /// failures recorded in one save, their successes in one statement (<see cref="SettleSucceededAsync"/>).
    /// </summary>
    private async Task DeliverBatchAsync(IReadOnlyList<ClaimedDelivery> claimed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var attempts = claimed.ToDictionary(c => c.Id, c => c.Attempts);
        var ids = attempts.Keys.ToList();
        // Not tracked: only a failure's row is changed through the context (RecordAttemptAsync attaches it); successes are settled in one statement.
        var deliveries = (await db.Set<Delivery>().AsNoTracking().Where(d => ids.Contains(d.Id)).OrderBy(d => d.Id).ToListAsync(ct))
            .Where(d => d.Attempts == attempts[d.Id] && d.CompletedAt is null).ToList();
        var endpointIds = deliveries.Where(d => d.EndpointId is not null).Select(d => d.EndpointId!.Value).Distinct().ToList();
        var endpoints = endpointIds.Count == 0 ? [] : await db.Set<WebhookEndpoint>().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        // The claim excludes disabled endpoints; one disabled meanwhile is not called and its leases simply run out.
        var sendable = deliveries.Where(d => d.EndpointId is not { } e || endpoints.GetValueOrDefault(e)?.Enabled == true).ToList();
        // A batch is one endpoint's (its calls side by side) or e-mails (one after another on one SMTP connection).
        var outcomes = sendable.Count > 0 && sendable[0].EndpointId is null
            ? await SendMailsAsync(sendable, ct)
            : await Task.WhenAll(sendable.Select(d => SendAsync(d, () => webhooks.SendAsync(endpoints[d.EndpointId!.Value], d, ct))));

        var now = Now;
        var succeeded = new List<Delivery>();
        var log = new List<DeliveryAttempt>();
        for (var i = 0; i < sendable.Count; i++)
        {
            if (await RecordAttemptAsync(db, sendable[i], endpoints.GetValueOrDefault(sendable[i].EndpointId ?? 0), outcomes[i], now, ct) is { } attempt)
                log.Add(attempt);
            if (outcomes[i].Outcome.Succeeded) succeeded.Add(sendable[i]);
        }
        try
        {
            // The attempts before the successes' settlement: each is a call that was made, so a crash between the two
            // leaves a log that is true, and deliveries that are sent again (at least once).
            await db.SaveChangesWithAsync(log, ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another instance took over a failed one (this lease ran out): record the others one by one.
            logger.LogInformation("A delivery of a batch of {Count} was taken over by another instance; recording the attempts one by one", sendable.Count);
            for (var i = 0; i < sendable.Count; i++)
                await SettleAloneAsync(claimed.Single(c => c.Id == sendable[i].Id), outcomes[i], now, ct);
            return;
        }
        await SettleSucceededAsync(db, succeeded, now, ct);
    }

    /// <summary>
    /// The batch's successful deliveries marked succeeded in one statement (one per attempt number among them, normally
    /// one) rather than one each, as they are most of every batch (statements per webhook event 10.4 → 8.0,
    /// docs/performance.md point 29). A delivery taken over by another instance meanwhile (its attempt number moved on)
    /// is left to that one (<see cref="IntegrationQueue.StillHeld"/>).
    /// The owner stays on an ended delivery: who sent it.
    /// </summary>
    private static async Task SettleSucceededAsync(AppDbContext db, IReadOnlyList<Delivery> succeeded, DateTime now, CancellationToken ct)
    {
        foreach (var round in succeeded.GroupBy(d => d.Attempts, d => d.Id))
        {
            var (ids, attempts) = (round.ToList(), round.Key);
            await db.WriteAsync(token => db.Set<Delivery>().StillHeld(ids, attempts)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Succeeded).SetProperty(d => d.CompletedAt, now)
                    .SetProperty(d => d.FirstAttemptAt, d => d.FirstAttemptAt ?? now).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), token), ct);
        }
    }

    private async Task<Sent[]> SendMailsAsync(IReadOnlyList<Delivery> mails, CancellationToken ct)
    {
        await using var session = email.OpenSession();
        var outcomes = new Sent[mails.Count];
        for (var i = 0; i < mails.Count; i++)
            outcomes[i] = await SendAsync(mails[i], () => session.SendAsync(mails[i], ct));
        return outcomes;
    }

    /// <summary>The answer of one call (or mail), with its own span in the order's trace.</summary>
    private async Task<Sent> SendAsync(Delivery delivery, Func<Task<AttemptOutcome>> send)
    {
        using var activity = AppTelemetry.StartFromStored(AppTelemetry.Integrations,
            delivery.Channel == DeliveryChannel.Webhook ? "webhook delivery" : "e-mail delivery", delivery.TraceParent, delivery.OrderId);
        activity?.SetTag("cloudmarket.event.type", delivery.EventType);
        activity?.SetTag("cloudmarket.event.id", delivery.EventId);
        var started = Stopwatch.GetTimestamp();
        var outcome = await send();
        var duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        metrics.Attempt(delivery.Channel, outcome.Succeeded, duration);
        if (!outcome.Succeeded) activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
        return new Sent(outcome, duration);
    }

    /// <summary>Records one attempt on a delivery this instance still holds, from a context of its own.</summary>
    private async Task SettleAloneAsync(ClaimedDelivery claimed, Sent sent, DateTime now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var delivery = await db.Set<Delivery>().SingleAsync(d => d.Id == claimed.Id, ct);
        if (delivery.Attempts != claimed.Attempts || delivery.CompletedAt is not null)
        {
            logger.LogInformation("Delivery {DeliveryId} was taken over by another instance; its attempt is not recorded here", delivery.Id);
            return;
        }
        var endpoint = delivery.EndpointId is { } e ? await db.Set<WebhookEndpoint>().SingleOrDefaultAsync(x => x.Id == e, ct) : null;
        var attempt = await RecordAttemptAsync(db, delivery, endpoint, sent, now, ct);
        try
        {
            await db.SaveChangesWithAsync<DeliveryAttempt>(attempt is null ? [] : [attempt], ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Delivery {DeliveryId} was taken over by another instance; its attempt is not recorded here", delivery.Id);
            return;
        }
        if (sent.Outcome.Succeeded) await SettleSucceededAsync(db, [delivery], now, ct);
    }

    /// <summary>
    /// One attempt: its log row if it has one (saved by the caller) and, for a failure, the retry or the giving up on the
    /// delivery's row (attached here). A success is settled by <see cref="SettleSucceededAsync"/> once the attempts are saved.
    /// </summary>
    private async Task<DeliveryAttempt?> RecordAttemptAsync(AppDbContext db, Delivery delivery, WebhookEndpoint? endpoint, Sent sent,
        DateTime now, CancellationToken ct)
    {
        if (sent.Outcome.Succeeded) return IsLogged(delivery, sent) ? Attempt(delivery, sent, now, next: null) : null;
        db.Attach(delivery);
        return await SettleFailureAsync(db, delivery, endpoint, sent, now, ct);
    }

    /// <summary>A failed attempt on the tracked delivery: a retry on the schedule, or giving up; and its log row.</summary>
    private async Task<DeliveryAttempt> SettleFailureAsync(AppDbContext db, Delivery delivery, WebhookEndpoint? endpoint, Sent sent,
        DateTime now, CancellationToken ct)
    {
        delivery.FirstAttemptAt ??= now;
        delivery.LeaseExpiresAt = null;
        DateTime? next = null;
        delivery.Failures++;
        var retryAt = now + webhookOptions.Value.DelayAfter(delivery.Failures);
        if (retryAt - delivery.FirstAttemptAt.Value > webhookOptions.Value.GiveUpAfter)
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.CompletedAt = now;
            if (endpoint is { Enabled: true })
                await DisableAsync(db, endpoint, delivery, now, ct);
        }
        else
        {
            delivery.LeaseOwner = null;
            delivery.DueAt = retryAt;
            next = retryAt;
        }
        return Attempt(delivery, sent, now, next);
    }

    /// <summary>
    /// Which attempts the delivery log keeps: every webhook call (the endpoint's owner reads them, GET
    /// /api/v1/webhooks/{id}/deliveries) and every failed mail (its error, for an operator). The attempt that sends a
    /// mail has none: its delivery's row says when (<c>CompletedAt</c>, status succeeded) and the attempt metrics how
    /// long; nobody read those rows, two in three of all, and each was an insert with a foreign-key check
    /// (docs/performance.md, point 32).
    /// </summary>
    private static bool IsLogged(Delivery delivery, Sent sent) => delivery.Channel == DeliveryChannel.Webhook || !sent.Outcome.Succeeded;

    private static DeliveryAttempt Attempt(Delivery delivery, Sent sent, DateTime now, DateTime? next) =>
        new(delivery.Id, delivery.EndpointId, now, sent.Outcome.StatusCode, sent.DurationMs, sent.Outcome.Error, next);

    /// <summary>After failing for the whole retry window: stop calling the endpoint and tell its owner.</summary>
    private async Task DisableAsync(AppDbContext db, WebhookEndpoint endpoint, Delivery delivery, DateTime now, CancellationToken ct)
    {
        var days = webhookOptions.Value.GiveUpAfter.TotalDays;
        endpoint.Enabled = false;
        endpoint.DisabledReason = $"Disabled {TimeFormat.WithZone(now, TimeZoneInfo.Utc)}: deliveries failed for {days:0.#} days (last: event {delivery.EventId}).";
        endpoint.UpdatedAt = now;
        logger.LogWarning("Webhook endpoint {EndpointId} disabled after failing for {Days} days", endpoint.Id, days);
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == endpoint.CreatedByUserId && u.Email != null)
            .Select(u => new { u.Email, u.FirstName, u.LastName }).SingleOrDefaultAsync(ct);
        if (owner is null) return;
        var (subject, text, html) = notifications.RenderEndpointDisabled(endpoint, $"{owner.FirstName} {owner.LastName}".Trim());
        db.Add(Delivery.Email(endpoint.CreatedByUserId, owner.Email!, IntegrationEvent.NewEventId(), "webhook.disabled", null,
            subject, text, html, now, delivery.TraceParent));
    }

    /// <summary>One call's or mail's answer and how long it took: what an attempt row records.</summary>
    private readonly record struct Sent(AttemptOutcome Outcome, long DurationMs);
}

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
/// Every instance runs one: fans outbox events out into deliveries, then sends due deliveries
/// (webhook calls and e-mails) with up to <see cref="IntegrationOptions.MaxConcurrentDeliveries"/> at
/// once, recording every attempt and rescheduling failures on the retry schedule. Leases in the rows
/// keep instances apart (<see cref="IntegrationQueue"/>).
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

    private readonly ConcurrentDictionary<long, Task> _running = new();

    /// <summary>The endpoint each running webhook delivery calls, to cap calls per endpoint.</summary>
    private readonly ConcurrentDictionary<long, long> _calling = new();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var o = options.Value;
        var idle = TimeSpan.FromMilliseconds(o.PollIntervalMs);
        logger.LogInformation("Integration dispatcher {Instance} started", InstanceName);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var fanned = await FanOutAsync(stop);
                foreach (var (id, task) in _running)
                    if (task.IsCompleted) _running.TryRemove(id, out _);
                var free = o.MaxConcurrentDeliveries - _running.Count;
                var claimed = free > 0 ? await ClaimAsync(free, stop) : [];
                foreach (var d in await KeepPerEndpointCapAsync(claimed))
                {
                    if (d.EndpointId is { } endpointId) _calling[d.Id] = endpointId;
                    _running[d.Id] = RunAsync(d, stop);
                }
                // A full round means more may be waiting: go again at once.
                if (fanned == 0 && (free <= 0 || claimed.Count < free))
                    await signal.WaitAsync(idle, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Dispatching integration events failed; trying again shortly");
                await signal.WaitAsync(idle, CancellationToken.None);
            }
        }
        await Task.WhenAll(_running.Values);
    }

    // ---- fan-out ------------------------------------------------------------------------

    private async Task<int> FanOutAsync(CancellationToken ct)
    {
        IReadOnlyList<ClaimedEvent> claimed;
        await using (var scope = scopes.CreateAsyncScope())
            claimed = await IntegrationQueue.ClaimEventsAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), InstanceName, 32, Now, Lease, ct);
        foreach (var c in claimed)
        {
            try
            {
                await FanOutOneAsync(c, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
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
        }
        return claimed.Count;
    }

    private async Task FanOutOneAsync(ClaimedEvent claimed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var ev = await db.Set<IntegrationEvent>().SingleAsync(e => e.Id == claimed.Id, ct);
        if (ev.Attempts != claimed.Attempts || ev.DispatchedAt is not null) return;
        using var activity = AppTelemetry.StartFromStored(AppTelemetry.Integrations, "integration fan-out", ev.TraceParent, ev.OrderId);
        activity?.SetTag("cloudmarket.event.type", ev.Type);
        var now = Now;
        await fanOut.FanOutAsync(db, ev, now, ct);
        ev.DispatchedAt = now;
        try
        {
            // Attempts is a concurrency token: if another instance re-claimed the event meanwhile, nothing is saved.
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Integration event {EventId} was taken over by another instance", ev.EventId);
        }
    }

    // ---- deliveries ---------------------------------------------------------------------

    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int max, CancellationToken ct)
    {
        var busy = _calling.Values.GroupBy(e => e)
            .Where(g => g.Count() >= options.Value.MaxConcurrentPerEndpoint).Select(g => g.Key).ToList();
        await using var scope = scopes.CreateAsyncScope();
        return await IntegrationQueue.ClaimDeliveriesAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), InstanceName,
            Math.Min(max, 32), Now, Lease, busy, ct);
    }

    /// <summary>A batch may hold more calls to one endpoint than it may have in flight: give the extras back at once.</summary>
    private async Task<IReadOnlyList<ClaimedDelivery>> KeepPerEndpointCapAsync(IReadOnlyList<ClaimedDelivery> claimed)
    {
        var cap = options.Value.MaxConcurrentPerEndpoint;
        var inFlight = _calling.Values.GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        var keep = new List<ClaimedDelivery>();
        var extra = new List<long>();
        foreach (var d in claimed)
        {
            if (d.EndpointId is { } e && inFlight.GetValueOrDefault(e) >= cap)
            {
                extra.Add(d.Id);
                continue;
            }
            if (d.EndpointId is { } endpoint) inFlight[endpoint] = inFlight.GetValueOrDefault(endpoint) + 1;
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

    private async Task RunAsync(ClaimedDelivery claimed, CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            await DeliverAsync(claimed, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the delivery is tried again (at least once).
        }
        catch (Exception e)
        {
            logger.LogError(e, "Delivery {DeliveryId} failed unexpectedly; its lease will run out and it is tried again", claimed.Id);
        }
        finally
        {
            _calling.TryRemove(claimed.Id, out _);
            signal.Notify();
        }
    }

    private async Task DeliverAsync(ClaimedDelivery claimed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var delivery = await db.Set<Delivery>().SingleAsync(d => d.Id == claimed.Id, ct);
        if (delivery.Attempts != claimed.Attempts || delivery.CompletedAt is not null) return;
        WebhookEndpoint? endpoint = null;
        if (delivery.EndpointId is { } endpointId)
        {
            endpoint = await db.Set<WebhookEndpoint>().SingleOrDefaultAsync(e => e.Id == endpointId, ct);
            if (endpoint is null || !endpoint.Enabled) return; // the claim excludes these; the lease simply runs out
        }

        using var activity = AppTelemetry.StartFromStored(AppTelemetry.Integrations,
            delivery.Channel == DeliveryChannel.Webhook ? "webhook delivery" : "e-mail delivery", delivery.TraceParent, delivery.OrderId);
        activity?.SetTag("cloudmarket.event.type", delivery.EventType);
        activity?.SetTag("cloudmarket.event.id", delivery.EventId);
        var started = Stopwatch.GetTimestamp();
        var outcome = endpoint is not null ? await webhooks.SendAsync(endpoint, delivery, ct) : await email.SendAsync(delivery, ct);
        var duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        metrics.Attempt(delivery.Channel, outcome.Succeeded, duration);
        if (!outcome.Succeeded) activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);

        var now = Now;
        delivery.FirstAttemptAt ??= now;
        delivery.LeaseExpiresAt = null;
        DateTime? next = null;
        if (outcome.Succeeded)
        {
            // The owner stays on an ended delivery: who sent it.
            delivery.Status = DeliveryStatus.Succeeded;
            delivery.CompletedAt = now;
        }
        else
        {
            delivery.Failures++;
            var retryAt = now + webhookOptions.Value.DelayAfter(delivery.Failures);
            if (retryAt - delivery.FirstAttemptAt.Value > webhookOptions.Value.GiveUpAfter)
            {
                delivery.Status = DeliveryStatus.Failed;
                delivery.CompletedAt = now;
                if (endpoint is not null)
                    await DisableAsync(db, endpoint, delivery, now, ct);
            }
            else
            {
                delivery.LeaseOwner = null;
                delivery.DueAt = retryAt;
                next = retryAt;
            }
        }
        db.Add(new DeliveryAttempt(delivery.Id, delivery.EndpointId, now, outcome.StatusCode, duration, outcome.Error, next));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Delivery {DeliveryId} was taken over by another instance; its attempt is not recorded here", delivery.Id);
        }
    }

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
}

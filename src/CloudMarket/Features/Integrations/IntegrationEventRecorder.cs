using System.Diagnostics;
using System.Runtime.CompilerServices;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations;

/// <summary>
/// Turns what a save changes into integration events, inside that save's transaction: order
/// transitions (from the <see cref="OrderEvent"/> rows the domain records), note changes of placed
/// orders, and subscriptions an order created or changed. The order code knows nothing of it; every
/// path that saves an order (API, pages, worker) is covered. Also wakes the dispatcher after commit.
/// </summary>
public sealed class IntegrationEventRecorder(IntegrationSignal signal, TimeProvider clock) : SaveRecorder
{
    protected override void RecordDetected(DbContext context)
    {
        // A save that is retried after a concurrency conflict must not record its events twice.
        foreach (var stale in context.ChangeTracker.Entries<IntegrationEvent>().Where(e => e.State == EntityState.Added).ToList())
            if (_recorded.TryGetValue(stale.Entity, out _))
                stale.State = EntityState.Detached;

        var now = clock.GetUtcNow().UtcDateTime;
        var added = new List<IntegrationEvent>();
        var transitioned = new List<Order>();
        // Orders created in this save (carts, seeded demo data) have nothing to tell yet.
        foreach (var entry in context.ChangeTracker.Entries<Order>().Where(e => e.State == EntityState.Modified).ToList())
        {
            var order = entry.Entity;
            var trace = TraceOf(order);
            foreach (var e in order.Events.Where(e => context.Entry(e).State == EntityState.Added))
            {
                if (EventTypes.ForTransition(e.FromStatus, e.ToStatus) is not { } type) continue;
                added.Add(new IntegrationEvent(type, order.CustomerId, order.Id, null, e.Reason, e.ConcernsOnlyMarkup, now, trace));
                if (!transitioned.Contains(order)) transitioned.Add(order);
            }
            if (entry.Property(o => o.Note).IsModified && order.PlacedAt is not null)
                added.Add(new IntegrationEvent(EventTypes.OrderNoteChanged, order.CustomerId, order.Id, null,
                    order.Note is null ? "Note removed." : $"Note: {order.Note}", false, now, trace));
        }

        // Subscriptions change when an order completes or closes: tell it as part of that order.
        if (transitioned.Count > 0)
            foreach (var entry in context.ChangeTracker.Entries<Subscription>()
                         .Where(e => e.State is EntityState.Added or EntityState.Modified).ToList())
            {
                var order = OrderOf(entry.Entity, transitioned);
                var markupOnly = order.IsMarkupOnly || (entry.State == EntityState.Modified &&
                    entry.Properties.Where(p => p.IsModified).All(p => p.Metadata.Name == nameof(Subscription.MarkupPercent)));
                added.Add(new IntegrationEvent(EventTypes.SubscriptionChanged, entry.Entity.CustomerId, order.Id, entry.Entity.Id,
                    null, markupOnly, now, TraceOf(order)));
            }

        if (added.Count == 0) return;
        context.Set<IntegrationEvent>().AddRange(added);
        foreach (var e in added) _recorded.AddOrUpdate(e, Recorded);
        WakeWhenCommitted(context);
    }

    protected override void Committed() => signal.NotifyEvents();

    private static readonly object Recorded = new();
    private readonly ConditionalWeakTable<IntegrationEvent, object> _recorded = new();

    /// <summary>The order's own trace when its unit of work carries several orders (<see cref="OrderTraces"/>), else the current span's.</summary>
    private static string? TraceOf(Order order) => OrderTraces.Of(order) ?? Activity.Current?.Id;

    /// <summary>
    /// The order that changed a subscription, of those that moved on in this save: the one whose item names it (an
    /// increase, a suspension; a new subscription is linked to its item before the save) or its base subscription (a
    /// new add-on, an add-on ended with its base). One order per save but for the provisioning worker's batches.
    /// </summary>
    private static Order OrderOf(Subscription subscription, List<Order> transitioned) =>
        transitioned.Count == 1
            ? transitioned[0]
            : transitioned.FirstOrDefault(o => o.Items.Any(i => i.SubscriptionId is { } id &&
                  (id == subscription.Id || id == subscription.ParentSubscriptionId))) ?? transitioned[0];

}

/// <summary>
/// Wakes the dispatcher when this instance recorded events or deliveries, so it need not wait for the next poll:
/// its fan-out (new events) and its senders (new deliveries, a free slot) each wait on their own, and each is woken
/// only by its own kind of work: a woken loop claims, and a claim that finds nothing is a round trip for nothing
/// (docs/performance.md, point 35).
/// </summary>
public sealed class IntegrationSignal
{
    private readonly WakeUpSignal _events = new();
    private readonly WakeUpSignal _deliveries = new();

    /// <summary>Events were recorded: to fan out. Their deliveries do not exist yet; the fan-out wakes the senders when it made some.</summary>
    public void NotifyEvents() => _events.Notify();

    /// <summary>Deliveries were created, or a sending slot came free.</summary>
    public void NotifyDeliveries() => _deliveries.Notify();

    public Task<bool> WaitForEventsAsync(TimeSpan timeout, CancellationToken ct) => _events.WaitAsync(timeout, ct);

    public Task<bool> WaitForDeliveriesAsync(TimeSpan timeout, CancellationToken ct) => _deliveries.WaitAsync(timeout, ct);
}

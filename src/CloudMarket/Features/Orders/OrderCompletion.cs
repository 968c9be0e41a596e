using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// Applies what the vendors provisioned to the subscriptions, in the same unit of work that moves
/// the order to completed / completedWithErrors / failed (orders.md, Lifecycle).
/// </summary>
public static class OrderCompletion
{
    /// <summary>provisioningFinished → completed, with every item applied.</summary>
    public static async Task CompleteAsync(AppDbContext db, Order order, DateTime now, CancellationToken ct)
    {
        // The transition first: if the status does not allow it, nothing is applied.
        order.Complete(now);
        await ApplySucceededItemsAsync(db, order, now, ct);
    }

    /// <summary>provisioningFailed → completedWithErrors or failed, with the succeeded items applied.</summary>
    public static async Task CloseAsync(AppDbContext db, Order order, EventActor actor, DateTime now, CancellationToken ct)
    {
        order.Close(actor, now);
        await ApplySucceededItemsAsync(db, order, now, ct);
    }

    private static async Task ApplySucceededItemsAsync(AppDbContext db, Order order, DateTime now, CancellationToken ct)
    {
        var items = order.SucceededItems.ToList();
        var subscriptionIds = items.Where(i => i.SubscriptionId is not null).Select(i => i.SubscriptionId!.Value).ToList();
        // With their offers: an increase opens a cancellation window of the offer's length.
        // New subscriptions (most orders) change none: no round trip for them.
        var subscriptions = subscriptionIds.Count == 0
            ? []
            : await db.Subscriptions.Include(s => s.Offer).Where(s => subscriptionIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        var offerIds = items.Where(i => i.Kind == OrderItemKind.NewSubscription)
            .SelectMany(i => i.Addons.Select(a => a.OfferId).Append(i.OfferId)).Distinct().ToList();
        var offers = await db.Offers.Where(o => offerIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);

        await RecordTenantsAsync(db, order, items, now, ct);
        foreach (var item in items)
        {
            if (item.Kind == OrderItemKind.NewSubscription)
            {
                var id = Guid.CreateVersion7();
                var subscription = new Subscription(id, order.CustomerId, offers[item.OfferId], item.Quantity, item.BillingCycle,
                    autoRenew: true, now, item.SellerMarkupPercent, item.AdminContact, item.TenantName, parentSubscriptionId: null);
                subscription.SetVendorSubscriptionId(item.VendorReference);
                db.Subscriptions.Add(subscription);
                foreach (var addon in item.Addons)
                    db.Subscriptions.Add(new Subscription(Guid.CreateVersion7(), order.CustomerId, offers[addon.OfferId], addon.Quantity,
                        item.BillingCycle, autoRenew: true, now, item.SellerMarkupPercent, item.AdminContact, item.TenantName, id));
                item.LinkSubscription(id);
                continue;
            }

            if (!subscriptions.TryGetValue(item.SubscriptionId!.Value, out var sub))
                continue; // the subscription is gone; nothing left to apply it to
            // The renewals due by now first, as the vendor did: a change at the renewal applies to the new term.
            sub.RecordRenewalsDueBy(now);
            switch (item.Kind)
            {
                case OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity: sub.SetQuantity(item.Quantity, sub.Offer, now); break;
                case OrderItemKind.Cancel:
                    sub.Cancel();
                    // The vendor ends a subscription's add-ons with it (Microsoft: an add-on cannot outlive its base).
                    foreach (var addon in await db.Subscriptions.Where(a => a.ParentSubscriptionId == sub.Id && a.Status != SubscriptionStatus.Cancelled).ToListAsync(ct))
                        addon.Cancel();
                    break;
                case OrderItemKind.Suspend: sub.Suspend(); break;
                case OrderItemKind.Reactivate: sub.Reactivate(); break;
                case OrderItemKind.ChangeAutoRenew: sub.SetAutoRenew(item.AutoRenew ?? sub.AutoRenew); break;
                case OrderItemKind.ChangeMarkup: sub.SetMarkup(item.MarkupPercent ?? sub.MarkupPercent); break;
            }
        }
    }

    /// <summary>
    /// A new subscription's tenant now exists at Microsoft and belongs to this customer. A tenant
    /// already recorded keeps its owner: Microsoft itself refuses another customer's tenant.
    /// </summary>
    private static async Task RecordTenantsAsync(AppDbContext db, Order order, IReadOnlyList<OrderItem> items, DateTime now, CancellationToken ct)
    {
        var names = items.Where(i => i.Kind == OrderItemKind.NewSubscription && !string.IsNullOrWhiteSpace(i.TenantName))
            .Select(i => CustomerTenant.Normalize(i.TenantName!)).Distinct().ToList();
        if (names.Count == 0) return;
        var known = await db.CustomerTenants.Where(t => names.Contains(t.Name)).Select(t => t.Name).ToListAsync(ct);
        foreach (var name in names.Except(known))
            db.CustomerTenants.Add(new CustomerTenant(name, order.CustomerId, now));
    }
}

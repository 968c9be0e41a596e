using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Subscriptions;

/// <summary>Read side of subscriptions, shared by the API and the pages.</summary>
public static class SubscriptionQueries
{
    public static async Task<List<SubscriptionSummaryDto>> ListAsync(AppDbContext db, CustomerContext ctx, DateTime now, CancellationToken ct)
    {
        var subs = await db.Subscriptions.AsNoTracking().Include(s => s.Offer).ThenInclude(o => o.Vendor)
            .Where(s => s.CustomerId == ctx.CustomerId).OrderBy(s => s.Offer.Name).ThenBy(s => s.StartDate).ToListAsync(ct);
        return subs.Select(s => Summary(s, ctx, now)).ToList();
    }

    public static async Task<SubscriptionDetailDto?> DetailAsync(AppDbContext db, CustomerContext ctx, Guid id, DateTime now, CancellationToken ct)
    {
        var s = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .SingleOrDefaultAsync(x => x.Id == id && x.CustomerId == ctx.CustomerId, ct);
        if (s is null) return null;
        var addons = await AddonsOf(db, ctx, id).ToListAsync(ct);
        var orders = await OrdersThatChangedAsync(db, ctx, s, ct);
        var (actions, unavailable) = SubscriptionActions.For(s, s.Offer, ctx.Actor, now);
        // The term as of now, renewals not yet recorded counted (Subscription.TermAt).
        var term = s.TermAt(now);
        return new SubscriptionDetailDto(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Status, s.Quantity, s.BillingCycle, s.TermMonths,
            s.AutoRenew, s.StartDate, term.EndsAt,
            s.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null, s.TenantName, s.ParentSubscriptionId,
            addons.Select(a => Summary(a, ctx, now)).ToList(),
            orders,
            Prices(s, ctx), s.Offer.CanSuspend, s.Offer.IsAddon,
            s.CancellableUntil(s.Offer, now), actions, unavailable, await ScheduledChangesAsync(db, ctx, s.Id, ct),
            CancellationPolicy.WindowOf(s.Offer.CancellationWindowHours, term.StartsAt), s.DecreaseAllowance(s.Offer, now));
    }

    public const int MaxOrdersShown = 50;

    /// <summary>A subscription's add-ons, read by the add-ons' own index (IX_Subscriptions_ParentSubscriptionId).</summary>
    internal static IQueryable<Subscription> AddonsOf(AppDbContext db, CustomerContext ctx, Guid id) =>
        db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .Where(x => x.ParentSubscriptionId == id && x.CustomerId == ctx.CustomerId);

    /// <summary>
    /// "The orders that changed it": each completed order (completed, completedWithErrors) with an item its
    /// vendor carried out on this subscription, once, newest first — the order that created it included (for
    /// an add-on, the order that created its parent with it). Carts, drafts, deleted, failed and in-flight
    /// orders changed nothing; rejected items changed nothing. Through the visibility rule, so an order that
    /// changed only its markup is not there for customer-level users.
    /// </summary>
    private static async Task<List<SubscriptionOrderDto>> OrdersThatChangedAsync(AppDbContext db, CustomerContext ctx, Subscription s, CancellationToken ct)
    {
        var id = s.Id;
        var carriedOut = db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx))
            .Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished);
        // Completing a new subscription links its item to the subscription it created; its add-ons are created with it.
        var changes = s.ParentSubscriptionId is { } parent
            ? carriedOut.Where(i => i.SubscriptionId == id || (i.SubscriptionId == parent && i.Kind == OrderItemKind.NewSubscription))
            : carriedOut.Where(i => i.SubscriptionId == id);
        var applied = OrderLifecycle.AppliedStatuses;
        var orders = await db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Where(o => applied.Contains(o.Status) && changes.Any(i => i.OrderId == o.Id))
            .OrderByDescending(o => o.Date).ThenByDescending(o => o.Id).Take(MaxOrdersShown)
            .Select(o => new { o.Id, o.Name, o.Status, o.Date })
            .ToListAsync(ct);
        var ids = orders.Select(o => o.Id).ToList();
        var lines = (await changes.Where(i => ids.Contains(i.OrderId)).OrderBy(i => i.Position)
            .Select(i => new { i.OrderId, i.Description }).ToListAsync(ct)).ToLookup(i => i.OrderId, i => i.Description);
        return orders.Select(o => new SubscriptionOrderDto(o.Id, o.Name, o.Status, o.Date, string.Join("; ", lines[o.Id]))).ToList();
    }

    /// <summary>The admin contact of the customer's newest subscription that has one: what a new purchase most likely uses again.</summary>
    public static async Task<AdminContact?> KnownAdminContactAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        var newest = await db.Subscriptions.AsNoTracking().Where(s => s.CustomerId == ctx.CustomerId && s.AdminEmail != null)
            .OrderByDescending(s => s.StartDate).ThenBy(s => s.Id)
            .Select(s => new { s.AdminEmail, s.AdminFirstName, s.AdminLastName }).FirstOrDefaultAsync(ct);
        return newest is null ? null : new AdminContact(newest.AdminEmail!, newest.AdminFirstName ?? "", newest.AdminLastName ?? "");
    }

    /// <summary>
    /// The scheduled orders that will change this subscription, soonest first, each with its changes of it. Through the
    /// visibility rule like every order read: a scheduled markup change is not there for customer-level users.
    /// </summary>
    private static async Task<List<ScheduledChangeDto>> ScheduledChangesAsync(AppDbContext db, CustomerContext ctx, Guid id, CancellationToken ct)
    {
        var items = ItemsOf(db, ctx, id);
        var orders = await ScheduledOrdersOf(db, ctx, id)
            .Select(o => new { o.Id, o.Schedule, o.ScheduledFor, o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationId, o.CreatedByOrganizationName, o.CreatedByOrganizationType })
            .ToListAsync(ct);
        var ids = orders.Select(o => o.Id).ToList();
        var lines = (await items.Where(i => ids.Contains(i.OrderId)).OrderBy(i => i.Position).Select(i => new { i.OrderId, i.Description }).ToListAsync(ct))
            .ToLookup(i => i.OrderId, i => i.Description);
        return orders.Select(o => new ScheduledChangeDto(o.Id, $"#{o.Id}", o.Schedule, o.ScheduledFor, string.Join("; ", lines[o.Id]),
            new CreatedByDto(o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationId, o.CreatedByOrganizationName, o.CreatedByOrganizationType))).ToList();
    }

    private static IQueryable<OrderItem> ItemsOf(AppDbContext db, CustomerContext ctx, Guid id) =>
        db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx)).Where(i => i.SubscriptionId == id);

    /// <summary>
    /// The scheduled orders with an item on the subscription, soonest first. The customer is written into the SQL: the
    /// prepared statement's generic plan, made for an average customer with one scheduled order, read all of a big
    /// customer's scheduled orders and probed each for the subscription's items (201 orders and 1,016 pages, 1.8 ms, at
    /// 100,000 orders); knowing the customer, it reads the subscription's few items first (13 pages; performance.md point 33).
    /// </summary>
    internal static IQueryable<Order> ScheduledOrdersOf(AppDbContext db, CustomerContext ctx, Guid id)
    {
        var items = ItemsOf(db, ctx, id);
        return db.Orders.AsNoTracking().VisibleOrders(ctx, valuesWrittenIn: true)
            .Where(o => o.Status == OrderStatus.Scheduled && items.Any(i => i.OrderId == o.Id))
            .OrderBy(o => o.ScheduledFor).ThenBy(o => o.Id).Take(MaxOrdersShown);
    }

    /// <summary>The customer's own Microsoft tenants, as recorded, the first one first.</summary>
    public static Task<List<string>> TenantsAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.CustomerTenants.AsNoTracking().Where(t => t.CustomerId == ctx.CustomerId)
            .OrderBy(t => t.RecordedAt).ThenBy(t => t.Name).Select(t => t.Name).ToListAsync(ct);

    private static SubscriptionSummaryDto Summary(Subscription s, CustomerContext ctx, DateTime now) =>
        new(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Quantity, s.Status, s.BillingCycle, s.AutoRenew, s.TermAt(now).EndsAt,
            s.ParentSubscriptionId, s.TenantName, Prices(s, ctx), s.CancellableUntil(s.Offer, now));

    private static PriceDetailsDto Prices(Subscription s, CustomerContext ctx)
    {
        var p = Pricing.UnitPrices(s.Offer, s.BillingCycle, ctx.Seller.DistributorMarkupPercent, s.MarkupPercent);
        var seen = PriceVisibility.Of(p, ctx.Actor);
        return new PriceDetailsDto(seen.CustomerPrice, seen.CustomerPrice.Times(s.Quantity), seen.SellerPrice, seen.SellerMarkupPercent, seen.SellerMargin,
            seen.VendorCost, seen.DistributorMarkupPercent);
    }
}

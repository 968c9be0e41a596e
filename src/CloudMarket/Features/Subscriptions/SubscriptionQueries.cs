using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
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
        var addons = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .Where(x => x.ParentSubscriptionId == id && x.CustomerId == ctx.CustomerId).ToListAsync(ct);
        var orders = await db.OrderItems.AsNoTracking().Where(i => i.SubscriptionId == id).Where(OrderVisibility.VisibleItem(ctx))
            .Join(db.Orders.VisibleOrders(ctx), i => i.OrderId, o => o.Id, (i, o) => new { o.Id, o.Name, o.Status, o.Date, i.Description })
            .OrderByDescending(x => x.Date).Take(50).ToListAsync(ct);
        return new SubscriptionDetailDto(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Status, s.Quantity, s.BillingCycle, s.TermMonths,
            s.AutoRenew, s.StartDate, s.RenewalDate,
            s.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null, s.TenantName, s.ParentSubscriptionId,
            addons.Select(a => Summary(a, ctx, now)).ToList(),
            orders.Select(o => new SubscriptionOrderDto(o.Id, o.Name, o.Status, o.Date, o.Description)).ToList(),
            Prices(s, ctx), s.Offer.CanSuspend, s.Offer.IsAddon,
            s.CancellableUntil(s.Offer, now), CancellationPolicy.WindowOf(s.Offer.CancellationWindowHours, s.CurrentTermStart));
    }

    /// <summary>The customer's own Microsoft tenants, as recorded, the first one first.</summary>
    public static Task<List<string>> TenantsAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.CustomerTenants.AsNoTracking().Where(t => t.CustomerId == ctx.CustomerId)
            .OrderBy(t => t.RecordedAt).ThenBy(t => t.Name).Select(t => t.Name).ToListAsync(ct);

    private static SubscriptionSummaryDto Summary(Subscription s, CustomerContext ctx, DateTime now) =>
        new(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Quantity, s.Status, s.BillingCycle, s.AutoRenew, s.RenewalDate,
            s.ParentSubscriptionId, s.TenantName, Prices(s, ctx), s.CancellableUntil(s.Offer, now));

    private static PriceDetailsDto Prices(Subscription s, CustomerContext ctx)
    {
        var p = Pricing.UnitPrices(s.Offer, s.BillingCycle, ctx.Seller.DistributorMarkupPercent, s.MarkupPercent);
        var total = p.CustomerPrice.Times(s.Quantity);
        if (!ctx.Actor.SeesMarkupAndCost)
            return new PriceDetailsDto(p.CustomerPrice, total);
        var distributor = ctx.Actor.OrganizationType == OrganizationType.Distributor;
        return new PriceDetailsDto(p.CustomerPrice, total, p.SellerPrice, p.SellerMarkupPercent, p.SellerMargin,
            distributor ? p.VendorCost : null, distributor ? p.DistributorMarkupPercent : null);
    }
}

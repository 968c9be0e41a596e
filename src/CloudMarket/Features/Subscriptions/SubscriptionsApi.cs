using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Subscriptions;

/// <summary>Price of a subscription per unit and billing period. Cost, markup and margin only for seller- and distributor-level users.</summary>
public sealed record PriceDetailsDto(
    Money CustomerPrice,
    Money CustomerTotal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? Cost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MarkupPercent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? Margin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? VendorCost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? DistributorMarkupPercent = null);

/// <remarks><c>cancellableUntil</c>: until when licences can be decreased in this term; null when no window is open (CancellationPolicy).</remarks>
public sealed record SubscriptionSummaryDto(Guid Id, string OfferId, string Name, string Vendor, int Quantity, SubscriptionStatus Status,
    BillingCycle BillingCycle, bool AutoRenew, DateTime RenewalDate, Guid? ParentSubscriptionId, string? TenantName, PriceDetailsDto PriceDetails,
    DateTime? CancellableUntil);

public sealed record SubscriptionOrderDto(long Id, string Name, OrderStatus Status, DateTime Date, string Change);

public sealed record SubscriptionDetailDto(
    Guid Id, string OfferId, string Name, string Vendor, SubscriptionStatus Status, int Quantity, BillingCycle BillingCycle, int TermMonths,
    bool AutoRenew, DateTime StartDate, DateTime RenewalDate, AdminContactDto? AdminContact, string? TenantName, Guid? ParentSubscriptionId,
    IReadOnlyList<SubscriptionSummaryDto> Addons, IReadOnlyList<SubscriptionOrderDto> Orders, PriceDetailsDto PriceDetails,
    bool CanSuspend, bool IsAddon, DateTime? CancellableUntil,
    // For the page, which says when the window closed; the API answers cancellableUntil only (workflow.md).
    [property: JsonIgnore] CancellationWindow? CancellationWindow = null);

public sealed record SubscriptionListDto(IReadOnlyList<SubscriptionSummaryDto> Items);

public static class SubscriptionsApi
{
    public static RouteGroupBuilder MapSubscriptionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/subscriptions").WithTags("Subscriptions");
        group.MapGet("/", List).WithName("ListSubscriptions");
        group.MapGet("/{id:guid}", Get).WithName("GetSubscription");
        return api;
    }

    private static async Task<Ok<SubscriptionListDto>> List(CustomerContext ctx, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionListDto(await SubscriptionQueries.ListAsync(db, ctx, clock.GetUtcNow().UtcDateTime, ct)));

    private static async Task<Ok<SubscriptionDetailDto>> Get(Guid id, CustomerContext ctx, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await SubscriptionQueries.DetailAsync(db, ctx, id, clock.GetUtcNow().UtcDateTime, ct) ?? throw new NotFoundException($"Subscription {id}"));
}

/// <summary>Read side of subscriptions, shared by the API and the pages.</summary>
public static class SubscriptionQueries
{
    public static async Task<List<SubscriptionSummaryDto>> ListAsync(AppDbContext db, CustomerContext ctx, DateTime now, CancellationToken ct)
    {
        var seller = await SellerOf(db, ctx, ct);
        var subs = await db.Subscriptions.AsNoTracking().Include(s => s.Offer).ThenInclude(o => o.Vendor)
            .Where(s => s.CustomerId == ctx.CustomerId).OrderBy(s => s.Offer.Name).ThenBy(s => s.StartDate).ToListAsync(ct);
        return subs.Select(s => Summary(s, seller, ctx, now)).ToList();
    }

    public static async Task<SubscriptionDetailDto?> DetailAsync(AppDbContext db, CustomerContext ctx, Guid id, DateTime now, CancellationToken ct)
    {
        var s = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .SingleOrDefaultAsync(x => x.Id == id && x.CustomerId == ctx.CustomerId, ct);
        if (s is null) return null;
        var seller = await SellerOf(db, ctx, ct);
        var addons = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .Where(x => x.ParentSubscriptionId == id && x.CustomerId == ctx.CustomerId).ToListAsync(ct);
        var orders = await db.OrderItems.AsNoTracking().Where(i => i.SubscriptionId == id).Where(OrderVisibility.VisibleItem(ctx))
            .Join(db.Orders.VisibleOrders(ctx), i => i.OrderId, o => o.Id, (i, o) => new { o.Id, o.Name, o.Status, o.Date, i.Description })
            .OrderByDescending(x => x.Date).Take(50).ToListAsync(ct);
        return new SubscriptionDetailDto(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Status, s.Quantity, s.BillingCycle, s.TermMonths,
            s.AutoRenew, s.StartDate, s.RenewalDate,
            s.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null, s.TenantName, s.ParentSubscriptionId,
            addons.Select(a => Summary(a, seller, ctx, now)).ToList(),
            orders.Select(o => new SubscriptionOrderDto(o.Id, o.Name, o.Status, o.Date, o.Description)).ToList(),
            Prices(s, seller, ctx), s.Offer.CanSuspend, s.Offer.IsAddon,
            s.CancellableUntil(s.Offer, now), CancellationPolicy.WindowOf(s.Offer.CancellationWindowHours, s.CurrentTermStart));
    }

    /// <summary>The customer's own Microsoft tenants, as recorded, the first one first.</summary>
    public static Task<List<string>> TenantsAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.CustomerTenants.AsNoTracking().Where(t => t.CustomerId == ctx.CustomerId)
            .OrderBy(t => t.RecordedAt).ThenBy(t => t.Name).Select(t => t.Name).ToListAsync(ct);

    private static Task<Organization> SellerOf(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.Organizations.AsNoTracking().SingleAsync(o => o.Id == ctx.Customer.ParentId, ct);

    private static SubscriptionSummaryDto Summary(Subscription s, Organization seller, CustomerContext ctx, DateTime now) =>
        new(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Quantity, s.Status, s.BillingCycle, s.AutoRenew, s.RenewalDate,
            s.ParentSubscriptionId, s.TenantName, Prices(s, seller, ctx), s.CancellableUntil(s.Offer, now));

    private static PriceDetailsDto Prices(Subscription s, Organization seller, CustomerContext ctx)
    {
        var p = Pricing.UnitPrices(s.Offer, s.BillingCycle, seller.DistributorMarkupPercent, s.MarkupPercent);
        var total = p.CustomerPrice.Times(s.Quantity);
        if (!ctx.Actor.SeesMarkupAndCost)
            return new PriceDetailsDto(p.CustomerPrice, total);
        var distributor = ctx.Actor.OrganizationType == OrganizationType.Distributor;
        return new PriceDetailsDto(p.CustomerPrice, total, p.SellerPrice, p.SellerMarkupPercent, p.SellerMargin,
            distributor ? p.VendorCost : null, distributor ? p.DistributorMarkupPercent : null);
    }
}

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

public sealed record SubscriptionSummaryDto(Guid Id, string OfferId, string Name, string Vendor, int Quantity, SubscriptionStatus Status,
    BillingCycle BillingCycle, bool AutoRenew, DateTime RenewalDate, Guid? ParentSubscriptionId, string? TenantName, PriceDetailsDto PriceDetails);

public sealed record SubscriptionOrderDto(long Id, string Name, OrderStatus Status, DateTime Date, string Change);

public sealed record SubscriptionDetailDto(
    Guid Id, string OfferId, string Name, string Vendor, SubscriptionStatus Status, int Quantity, BillingCycle BillingCycle, int TermMonths,
    bool AutoRenew, DateTime StartDate, DateTime RenewalDate, AdminContactDto? AdminContact, string? TenantName, Guid? ParentSubscriptionId,
    IReadOnlyList<SubscriptionSummaryDto> Addons, IReadOnlyList<SubscriptionOrderDto> Orders, PriceDetailsDto PriceDetails,
    bool CanSuspend, bool IsAddon);

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

    private static async Task<Ok<SubscriptionListDto>> List(CustomerContext ctx, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionListDto(await SubscriptionQueries.ListAsync(db, ctx, ct)));

    private static async Task<Ok<SubscriptionDetailDto>> Get(Guid id, CustomerContext ctx, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await SubscriptionQueries.DetailAsync(db, ctx, id, ct) ?? throw new NotFoundException($"Subscription {id}"));
}

/// <summary>Read side of subscriptions, shared by the API and the pages.</summary>
public static class SubscriptionQueries
{
    public static async Task<List<SubscriptionSummaryDto>> ListAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        var seller = await SellerOf(db, ctx, ct);
        var subs = await db.Subscriptions.AsNoTracking().Include(s => s.Offer).ThenInclude(o => o.Vendor)
            .Where(s => s.CustomerId == ctx.CustomerId).OrderBy(s => s.Offer.Name).ThenBy(s => s.StartDate).ToListAsync(ct);
        return subs.Select(s => Summary(s, seller, ctx)).ToList();
    }

    public static async Task<SubscriptionDetailDto?> DetailAsync(AppDbContext db, CustomerContext ctx, Guid id, CancellationToken ct)
    {
        var s = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .SingleOrDefaultAsync(x => x.Id == id && x.CustomerId == ctx.CustomerId, ct);
        if (s is null) return null;
        var seller = await SellerOf(db, ctx, ct);
        var addons = await db.Subscriptions.AsNoTracking().Include(x => x.Offer).ThenInclude(o => o.Vendor)
            .Where(x => x.ParentSubscriptionId == id && x.CustomerId == ctx.CustomerId).ToListAsync(ct);
        var orders = await OrdersThatChangedAsync(db, ctx, s, ct);
        return new SubscriptionDetailDto(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Status, s.Quantity, s.BillingCycle, s.TermMonths,
            s.AutoRenew, s.StartDate, s.RenewalDate,
            s.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null, s.TenantName, s.ParentSubscriptionId,
            addons.Select(a => Summary(a, seller, ctx)).ToList(),
            orders,
            Prices(s, seller, ctx), s.Offer.CanSuspend, s.Offer.IsAddon);
    }

    public const int MaxOrdersShown = 50;

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

    private static Task<Organization> SellerOf(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.Organizations.AsNoTracking().SingleAsync(o => o.Id == ctx.Customer.ParentId, ct);

    private static SubscriptionSummaryDto Summary(Subscription s, Organization seller, CustomerContext ctx) =>
        new(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Quantity, s.Status, s.BillingCycle, s.AutoRenew, s.RenewalDate,
            s.ParentSubscriptionId, s.TenantName, Prices(s, seller, ctx));

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

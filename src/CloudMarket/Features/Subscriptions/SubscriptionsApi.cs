using System.ComponentModel;
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
        group.MapGet("/", List).WithName("ListSubscriptions")
            .WithSummary("The subscriptions of the customer in view")
            .WithDescription("Every subscription of the customer, add-ons included, with its quantity, status, billing cycle, renewal date " +
                "and prices. Customer-level callers get no cost, markup or margin fields.")
            .WithResponseDescription(StatusCodes.Status200OK, "The subscriptions, by offer name.");
        group.MapGet("/{id:guid}", Get).WithName("GetSubscription")
            .WithSummary("One subscription")
            .WithDescription("A subscription with its admin contact, tenant, add-ons, the orders that changed it and its prices. " +
                "Customer-level callers get no cost, markup or margin fields.")
            .WithResponseDescription(StatusCodes.Status200OK, "The subscription as the caller may see it.")
            .ProducesProblemWhen(StatusCodes.Status404NotFound, "No such subscription for the customer in view.");
        return api;
    }

    private static async Task<Ok<SubscriptionListDto>> List(CustomerContext ctx, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionListDto(await SubscriptionQueries.ListAsync(db, ctx, ct)));

    private static async Task<Ok<SubscriptionDetailDto>> Get([Description("The subscription's id.")] Guid id, CustomerContext ctx, AppDbContext db, CancellationToken ct) =>
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
        var orders = await db.OrderItems.AsNoTracking().Where(i => i.SubscriptionId == id).Where(OrderVisibility.VisibleItem(ctx))
            .Join(db.Orders.VisibleOrders(ctx), i => i.OrderId, o => o.Id, (i, o) => new { o.Id, o.Name, o.Status, o.Date, i.Description })
            .OrderByDescending(x => x.Date).Take(50).ToListAsync(ct);
        return new SubscriptionDetailDto(s.Id, s.OfferId, s.Offer.Name, s.Offer.Vendor.Name, s.Status, s.Quantity, s.BillingCycle, s.TermMonths,
            s.AutoRenew, s.StartDate, s.RenewalDate,
            s.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null, s.TenantName, s.ParentSubscriptionId,
            addons.Select(a => Summary(a, seller, ctx)).ToList(),
            orders.Select(o => new SubscriptionOrderDto(o.Id, o.Name, o.Status, o.Date, o.Description)).ToList(),
            Prices(s, seller, ctx), s.Offer.CanSuspend, s.Offer.IsAddon);
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

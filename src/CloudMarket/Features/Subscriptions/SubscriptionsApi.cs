using System.ComponentModel;
using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;
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

/// <remarks>
/// <c>cancellableUntil</c>: until when licences can be decreased (all of them while the term's window is open, else
/// those a recent increase added); null when no window is open (CancellationPolicy).
/// </remarks>
public sealed record SubscriptionSummaryDto(Guid Id, string OfferId, string Name, string Vendor, int Quantity, SubscriptionStatus Status,
    BillingCycle BillingCycle, bool AutoRenew, DateTime RenewalDate, Guid? ParentSubscriptionId, string? TenantName, PriceDetailsDto PriceDetails,
    DateTime? CancellableUntil);

public sealed record SubscriptionOrderDto(long Id, string Name, OrderStatus Status, DateTime Date, string Change);

/// <summary>A scheduled order that changes the subscription (workflow.md): <c>number</c> as pages show it ("#1234"), <c>summary</c> its changes of this subscription.</summary>
public sealed record ScheduledChangeDto(long OrderId, string Number, ScheduleKind When, DateTime? ScheduledFor, string Summary, CreatedByDto CreatedBy);

public sealed record SubscriptionDetailDto(
    Guid Id, string OfferId, string Name, string Vendor, SubscriptionStatus Status, int Quantity, BillingCycle BillingCycle, int TermMonths,
    bool AutoRenew, DateTime StartDate, DateTime RenewalDate, AdminContactDto? AdminContact, string? TenantName, Guid? ParentSubscriptionId,
    IReadOnlyList<SubscriptionSummaryDto> Addons, IReadOnlyList<SubscriptionOrderDto> Orders, PriceDetailsDto PriceDetails,
    bool CanSuspend, bool IsAddon, DateTime? CancellableUntil,
    IReadOnlyList<string> Actions, IReadOnlyList<UnavailableActionDto> UnavailableActions,
    IReadOnlyList<ScheduledChangeDto> ScheduledChanges,
    // For the page, which says when the window closed and how far licences can go; the API answers cancellableUntil only (workflow.md).
    [property: JsonIgnore] CancellationWindow? CancellationWindow = null,
    [property: JsonIgnore] DecreaseAllowance? DecreaseAllowance = null);

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
            .WithDescription("A subscription with its admin contact, tenant, add-ons, the orders that changed it, its scheduled changes " +
                "(`scheduledChanges`: the `scheduled` orders that will change it, soonest first) and its prices. " +
                "Customer-level callers get no cost, markup or margin fields.")
            .WithResponseDescription(StatusCodes.Status200OK, "The subscription as the caller may see it.")
            .ProducesProblemWhen(StatusCodes.Status404NotFound, "No such subscription for the customer in view.");
        return api;
    }

    private static async Task<Ok<SubscriptionListDto>> List(CustomerContext ctx, ReadDb reads, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionListDto(await reads.ReadAsync(db => SubscriptionQueries.ListAsync(db, ctx, clock.GetUtcNow().UtcDateTime, ct), ct)));

    private static async Task<Ok<SubscriptionDetailDto>> Get([Description("The subscription's id.")] Guid id, CustomerContext ctx, ReadDb reads,
        TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await reads.ReadAsync(db => SubscriptionQueries.DetailAsync(db, ctx, id, clock.GetUtcNow().UtcDateTime, ct), ct) ?? throw new NotFoundException($"Subscription {id}"));
}

using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

public sealed record CreatedByDto(Guid UserId, string Name, Guid OrganizationId, string OrganizationName, OrganizationType OrganizationType);

/// <summary>A row of the Recent / Historical lists (api.md orderSummary). <c>internalNote</c> is there for seller and distributor levels only.</summary>
public sealed record OrderSummaryDto(
    long Id,
    string Name,
    OrderStatus Status,
    int ItemCount,
    IReadOnlyList<string> RequestedChanges,
    CreatedByDto CreatedBy,
    DateTime Date,
    string? Note,
    DateTime? ScheduledFor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OrderSummaryDetailsDto? Details = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InternalNote = null);

/// <summary>The extra columns of the detailed Historical "All" view (<c>paymentMethod</c> is <c>payment.method</c>, kept for clients that read it).</summary>
public sealed record OrderSummaryDetailsDto(IReadOnlyList<SummaryItemDto> Items, PaymentMethod PaymentMethod, IReadOnlyList<CycleTotalsDto> Totals,
    PaymentDto Payment);

/// <summary>An item in the detailed list: what it changes on the customer's invoice per billing period of its cycle.</summary>
public sealed record SummaryItemDto(string Description, int Quantity, BillingCycle BillingCycle, Money PeriodPrice);

public sealed record OrderListDto(IReadOnlyList<OrderSummaryDto> Items, string? NextCursor);

/// <summary>
/// Prices of one item as the caller may see them. "Price" is what the customer pays (per unit, per billing
/// period of the item's cycle, over its term); "cost" is only ever the seller's cost (the seller price), and
/// cost, markup and margin are absent for customer-level users.
/// </summary>
public sealed record ItemPricesDto(
    Money UnitPrice,
    Money PeriodPrice,
    Money TermPrice,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? UnitCost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MarkupPercent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? PeriodMargin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? VendorUnitCost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? DistributorMarkupPercent = null);

public sealed record AddonDto(string OfferId, string Name, int Quantity, Money UnitPrice);

public sealed record ItemErrorDto(string Code, string Message);

public sealed record OrderItemDto(
    Guid Id,
    OrderItemKind Kind,
    string Description,
    string OfferId,
    string OfferName,
    string Vendor,
    Guid? SubscriptionId,
    int Quantity,
    int? PreviousQuantity,
    BillingCycle BillingCycle,
    int TermMonths,
    bool? AutoRenew,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MarkupPercent,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? PreviousMarkupPercent,
    IReadOnlyList<AddonDto> Addons,
    AdminContactDto? AdminContact,
    string? TenantName,
    ItemProvisioningStatus ProvisioningStatus,
    ItemErrorDto? Error,
    ItemPricesDto Prices,
    // Until when the purchase or the licences an increase added can be taken back; null unless provisioned and the window is open.
    DateTime? CancellableUntil = null);

public sealed record PaymentDto(PaymentMethod Method, string? CardBrand, string? CardLast4, string? BillingCycle, string InvoiceContract, string Currency);

/// <summary>
/// The totals of the visible items billed in one cycle: <c>periodTotal</c> is per month for <c>monthly</c>
/// and per year for <c>annual</c>, so amounts of different cycles are never added up. One entry per cycle
/// the order's visible items use, monthly first.
/// </summary>
public sealed record CycleTotalsDto(
    BillingCycle BillingCycle,
    Money PeriodTotal,
    Money TermTotal,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? PeriodCost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? PeriodMargin = null);

public sealed record EventActorDto(string Name, string? OrganizationName);

/// <summary><c>actor</c> is an <see cref="EventActorDto"/> or the string "system" (api.md).</summary>
public sealed record OrderEventDto(DateTime At, OrderStatus? From, OrderStatus To,
    [property: SchemaOneOf(typeof(EventActorDto), "system")] object Actor, string Reason);

public sealed record OrderDetailDto(
    long Id,
    string Name,
    OrderStatus Status,
    Guid CustomerId,
    int ItemCount,
    IReadOnlyList<string> RequestedChanges,
    CreatedByDto CreatedBy,
    DateTime CreatedAt,
    DateTime? PlacedAt,
    DateTime Date,
    DateTime UpdatedAt,
    string? Note,
    int Version,
    IReadOnlyList<OrderItemDto> Items,
    PaymentDto Payment,
    IReadOnlyList<CycleTotalsDto> Totals,
    IReadOnlyList<OrderEventDto> Events,
    IReadOnlyList<string> Actions,
    // workflow.md: when it runs once placed, the moment a scheduled order runs, and the approval it waits for (or waited for).
    ScheduleDto Schedule,
    DateTime? ScheduledFor,
    ApprovalDto? Approval,
    // What the viewer's role could do but not now, and why (OrderLifecycle.UnavailableFor).
    IReadOnlyList<UnavailableActionDto> UnavailableActions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InternalNote = null);

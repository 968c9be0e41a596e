using System.ComponentModel;
using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

public sealed record AdminContactDto(string? Email, string? FirstName, string? LastName);

public sealed record AddonRequest(string? OfferId, int? Quantity);

/// <summary>One requested change as clients send it (api.md, "An item in requests").</summary>
[Description("""
    One requested change. `kind` says which, and which other fields it takes:
    `newSubscription`: `offerId`, `quantity`, `billingCycle`, optional `addons`, `adminContact`, and `tenantName` for Microsoft offers;
    `increaseQuantity` / `decreaseQuantity`: `subscriptionId`, the new total `quantity`;
    `suspend` / `reactivate`: `subscriptionId`;
    `changeAutoRenew`: `subscriptionId`, `autoRenew`;
    `changeMarkup` (seller- and distributor-level users): `subscriptionId`, `markupPercent`;
    `cancel`: `subscriptionId` (only while the offer's cancellation window is open).
    A `decreaseQuantity` or `cancel` outside the cancellation window is refused with 400 naming the deadline that passed.
    """)]
[ApiName("an order item")]
public sealed record OrderItemRequest(
    OrderItemKind? Kind,
    string? OfferId = null,
    Guid? SubscriptionId = null,
    int? Quantity = null,
    BillingCycle? BillingCycle = null,
    IReadOnlyList<AddonRequest>? Addons = null,
    AdminContactDto? AdminContact = null,
    string? TenantName = null,
    bool? AutoRenew = null,
    decimal? MarkupPercent = null);

[Description("A new cart: its name (default `Order #dd-MM-yyyy`), its first items, if any, and when it runs once placed (`schedule`, default now).")]
[ApiName("a new order")]
public sealed record CreateOrderRequest(string? Name = null, IReadOnlyList<OrderItemRequest>? Items = null, ScheduleRequest? Schedule = null);

[Description("An approval, with an optional comment kept in the order's history.")]
[ApiName("an approval")]
public sealed record ApproveRequest(string? Comment = null);

[Description("A rejection; the reason is required and kept in the order's history.")]
[ApiName("a rejection")]
public sealed record RejectRequest(string? Reason = null);

[Description("The fields to change; those left out stay as they are. Card payment needs `cardBrand` and `cardLast4`.")]
[ApiName("an order")]
public sealed record UpdateOrderRequest(string? Name = null, PaymentMethod? PaymentMethod = null, string? CardBrand = null, string? CardLast4 = null);

/// <summary>
/// <c>{ "text": "…" }</c> sets the note; <c>{ "text": null }</c> or <c>""</c> removes it. The field must be
/// there: a body without it (<c>{}</c>, a misspelt field) is a 400, never read as "remove the note".
/// </summary>
[Description("The note's text; `null` or an empty text removes the note. The field is required.")]
[ApiName("a note")]
public sealed record NoteRequest([property: JsonRequired] string? Text);

public sealed record RetryItemCorrection(Guid? ItemId, AdminContactDto? AdminContact = null, string? TenantName = null);

[Description("Corrections of rejected items, each at most once; items not named are resent as they are.")]
[ApiName("a retry")]
public sealed record RetryRequest(IReadOnlyList<RetryItemCorrection>? Items = null);

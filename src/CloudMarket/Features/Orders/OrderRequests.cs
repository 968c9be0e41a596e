using System.ComponentModel;
using CloudMarket.Features.Catalog;

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
    `changeMarkup` (seller- and distributor-level users): `subscriptionId`, `markupPercent`.
    """)]
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

[Description("A new cart: its name (default `Order #dd-MM-yyyy`) and its first items, if any.")]
public sealed record CreateOrderRequest(string? Name = null, IReadOnlyList<OrderItemRequest>? Items = null);

[Description("The fields to change; those left out stay as they are. Card payment needs `cardBrand` and `cardLast4`.")]
public sealed record UpdateOrderRequest(string? Name = null, PaymentMethod? PaymentMethod = null, string? CardBrand = null, string? CardLast4 = null);

[Description("The note's text; an empty text removes the note.")]
public sealed record NoteRequest(string? Text);

public sealed record RetryItemCorrection(Guid? ItemId, AdminContactDto? AdminContact = null, string? TenantName = null);

[Description("Corrections of rejected items, each at most once; items not named are resent as they are.")]
public sealed record RetryRequest(IReadOnlyList<RetryItemCorrection>? Items = null);

using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

public sealed record AdminContactDto(string? Email, string? FirstName, string? LastName);

public sealed record AddonRequest(string? OfferId, int? Quantity);

/// <summary>One requested change as clients send it (api.md, "An item in requests").</summary>
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

[ApiName("a new order")]
public sealed record CreateOrderRequest(string? Name, IReadOnlyList<OrderItemRequest>? Items);

[ApiName("an order")]
public sealed record UpdateOrderRequest(string? Name, PaymentMethod? PaymentMethod, string? CardBrand, string? CardLast4);

/// <summary>
/// <c>{ "text": "…" }</c> sets the note; <c>{ "text": null }</c> or <c>""</c> removes it. The field must be
/// there: a body without it (<c>{}</c>, a misspelt field) is a 400, never read as "remove the note".
/// </summary>
[ApiName("a note")]
public sealed record NoteRequest([property: JsonRequired] string? Text);

public sealed record RetryItemCorrection(Guid? ItemId, AdminContactDto? AdminContact, string? TenantName);

[ApiName("a retry")]
public sealed record RetryRequest(IReadOnlyList<RetryItemCorrection>? Items);

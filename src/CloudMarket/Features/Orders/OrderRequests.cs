using CloudMarket.Features.Catalog;

namespace CloudMarket.Features.Orders;

public sealed record AdminContactDto(string? Email, string? FirstName, string? LastName);

public sealed record AddonRequest(string? OfferId, int? Quantity);

/// <summary>One requested change as clients send it (api.md, "An item in requests").</summary>
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

public sealed record CreateOrderRequest(string? Name, IReadOnlyList<OrderItemRequest>? Items);

public sealed record UpdateOrderRequest(string? Name, PaymentMethod? PaymentMethod, string? CardBrand, string? CardLast4);

public sealed record NoteRequest(string? Text);

public sealed record RetryItemCorrection(Guid? ItemId, AdminContactDto? AdminContact, string? TenantName);

public sealed record RetryRequest(IReadOnlyList<RetryItemCorrection>? Items);

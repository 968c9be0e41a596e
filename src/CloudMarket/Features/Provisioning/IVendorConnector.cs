using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Subscriptions;

namespace CloudMarket.Features.Provisioning;

/// <summary>One vendor API. A connector turns one order item into the vendor's calls and the vendor's final word.</summary>
public interface IVendorConnector
{
    VendorApi Api { get; }

    /// <summary>
    /// Sends the item. Returns the vendor's answer (success or business rejection); throws
    /// <see cref="VendorUnavailableException"/> when the vendor could not be reached even after retries,
    /// in which case the same request (same idempotency key) is sent again later.
    /// </summary>
    Task<VendorAnswer> SendAsync(VendorRequest request, CancellationToken ct);
}

/// <summary>What a connector needs of an order item, with the key every call for it carries.</summary>
public sealed record VendorRequest(
    string IdempotencyKey,
    OrderItemKind Kind,
    string OfferId,
    int Quantity,
    BillingCycle BillingCycle,
    IReadOnlyList<(string OfferId, int Quantity)> Addons,
    string? VendorSubscriptionId,
    string? TenantName,
    AdminContact? AdminContact,
    bool? AutoRenew,
    Guid CustomerId,
    string CustomerName);

/// <summary>The vendor did not answer in a usable way (timeouts, 429, 5xx, open circuit) after the retries.</summary>
public sealed class VendorUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

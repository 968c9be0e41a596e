using CloudMarket.Features.Orders;

namespace CloudMarket.Features.Provisioning;

/// <summary>A vendor's final word on one item, as a connector reads it from the vendor's reply.</summary>
public sealed record VendorAnswer(bool Succeeded, string? VendorReference, string? ErrorCode, string? ErrorMessage)
{
    public static VendorAnswer Success(string? reference) => new(true, reference, null, null);
    public static VendorAnswer Rejected(string code, string message) => new(false, null, code, message);

    /// <summary>Records this answer on the order's item.</summary>
    public void ApplyTo(Order order, Guid itemId, DateTime now)
    {
        if (Succeeded)
            order.RecordItemProvisioned(itemId, VendorReference, now);
        else
            order.RecordItemRejected(itemId, ErrorCode ?? "rejected", ErrorMessage ?? "The vendor rejected the item.", now);
    }
}

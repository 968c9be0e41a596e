using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders.Pages;

/// <summary>
/// "Confirm and submit once" for the pages that place an order (the cart and the order details): the posted form
/// carries the order's version (sent as If-Match, so a page showing an older order is refused, not applied), an
/// idempotency key made once per rendered form (a double submit or a resent post places once, as the API's
/// Idempotency-Key does) and the accepted terms. Rendered by <see cref="AcceptTermsToPlace"/>.
/// </summary>
public static class PlaceOnce
{
    /// <summary>The key the form posted back, when it is one; else a new one for the form about to be rendered.</summary>
    public static string IdempotencyKey(string? posted) =>
        posted is { Length: > 0 and <= OrderCommands.MaxIdempotencyKeyLength } key ? key : $"page-{Guid.NewGuid():N}";

    /// <summary>The posted version as the If-Match entity tag the commands check; null (no check) when none was posted.</summary>
    public static string? IfMatch(string? postedVersion) => int.TryParse(postedVersion, out var v) ? OrderVersion.ETag(v) : null;

    /// <summary>400 on the terms field unless the box was ticked.</summary>
    public static void EnsureTermsAccepted(string? posted)
    {
        if (!string.Equals(posted, "true", StringComparison.OrdinalIgnoreCase))
            throw RequestValidationException.For(TermsField, "Accept the terms of purchase to place the order.");
    }

    public const string TermsField = "terms";
}

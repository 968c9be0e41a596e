namespace CloudMarket.Features.Orders;

/// <summary>
/// An order's version token as clients see it: the API's <c>ETag</c>/<c>If-Match</c> and the pages'
/// hidden version field. A stale token is refused with 409 and nothing changes.
/// </summary>
public static class OrderVersion
{
    /// <summary>The version as an HTTP entity tag: <c>"7"</c>.</summary>
    public static string ETag(int version) => $"\"{version}\"";

    /// <summary>Whether a client's token (null or <c>*</c> accepts any version) names this version.</summary>
    public static bool Matches(string? ifMatch, int version) =>
        ifMatch is not { Length: > 0 } || ifMatch == "*" || ifMatch == ETag(version);
}

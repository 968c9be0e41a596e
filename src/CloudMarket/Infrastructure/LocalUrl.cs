namespace CloudMarket.Infrastructure;

/// <summary>Where a form may send the browser back to: a page of this site, never another one.</summary>
public static class LocalUrl
{
    /// <summary>A local URL to come back to after a form, or the fallback (never another site).</summary>
    public static string Or(string? url, string fallback) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\") ? url : fallback;
}

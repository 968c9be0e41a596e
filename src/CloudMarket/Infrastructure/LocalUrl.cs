namespace CloudMarket.Infrastructure;

/// <summary>Where a form may send the browser back to: a page of this site, never another one.</summary>
public static class LocalUrl
{
    /// <summary>
    /// <paramref name="url"/> when it is a path on this site, else <paramref name="fallback"/>. The rule of
    /// ASP.NET Core's own IsLocalUrl (so LocalRedirect never throws on it): one leading slash, no "//" or
    /// "/\" (another host), no control characters (browsers drop a tab, so "/\t/evil.example" would
    /// become "//evil.example").
    /// </summary>
    public static string Or(string? url, string fallback)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/')
            return fallback;
        if (url.Length == 1)
            return url;
        return url[1] is '/' or '\\' || url.Any(char.IsControl) ? fallback : url;
    }
}

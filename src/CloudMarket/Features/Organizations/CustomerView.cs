using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Organizations;

/// <summary>
/// Customer View for the pages: the customer chosen on "Select organization" is kept in a cookie and
/// checked against the same entitlement rule as the API's X-On-Behalf-Of header on every request.
/// </summary>
public static class CustomerView
{
    public const string CookieName = "cloudmarket.customer";

    /// <summary>The customer in view, or null when none is chosen or the choice is no longer allowed.</summary>
    public static async Task<CustomerContext?> ResolveAsync(HttpContext http, AppDbContext db)
    {
        // The layout and the page both ask; one lookup per request is enough.
        if (http.Items.TryGetValue(typeof(CustomerView), out var cached)) return (CustomerContext?)cached;
        var resolved = await ResolveUncachedAsync(http, db);
        http.Items[typeof(CustomerView)] = resolved;
        return resolved;
    }

    private static async Task<CustomerContext?> ResolveUncachedAsync(HttpContext http, AppDbContext db)
    {
        var actor = Actor.FromPrincipal(http.User);
        if (actor is null) return null;
        Guid? chosen = null;
        if (actor.OrganizationType != Features.Organizations.OrganizationType.Customer)
        {
            if (!Guid.TryParse(http.Request.Cookies[CookieName], out var id)) return null;
            chosen = id;
        }
        try { return await Entitlements.ResolveCustomerAsync(db, actor, chosen, http.RequestAborted); }
        catch (NotFoundException) { return null; }
    }

    public static void Enter(HttpContext http, Guid customerId) =>
        http.Response.Cookies.Append(CookieName, customerId.ToString(), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, IsEssential = true,
        });

    public static void Leave(HttpContext http) => http.Response.Cookies.Delete(CookieName);
}

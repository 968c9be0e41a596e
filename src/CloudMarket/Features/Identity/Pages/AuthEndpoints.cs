using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CloudMarket.Features.Identity.Pages;

/// <summary>The form posts of the pages that change who is signed in or whose view it is (antiforgery-checked).</summary>
public static class AuthEndpoints
{
    public static void MapAuthPages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/signin", SignIn).RequireRateLimiting(IdentityApi.SignInRateLimit).ExcludeFromDescription();
        app.MapPost("/signout", SignOut).RequireAuthorization().ExcludeFromDescription();
        app.MapPost("/customer-view", Enter).RequireAuthorization().ExcludeFromDescription();
        app.MapPost("/customer-view/exit", Exit).RequireAuthorization().ExcludeFromDescription();
    }

    private static async Task<IResult> SignIn([FromForm] string? email, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, HttpContext http)
    {
        var result = await Authentication.CheckPasswordAsync(signIn, email, password);
        if (result.User is null)
            return Results.Redirect($"/signin?failed=1&email={Uri.EscapeDataString(email ?? "")}");
        await signIn.SignInAsync(result.User, isPersistent: false);
        CustomerView.Leave(http);
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    private static async Task<IResult> SignOut(SignInManager<AppUser> signIn, HttpContext http)
    {
        await signIn.SignOutAsync();
        CustomerView.Leave(http);
        return Results.Redirect("/signin");
    }

    private static async Task<IResult> Enter([FromForm] Guid customerId, HttpContext http, AppDbContext db)
    {
        var actor = Actor.FromPrincipal(http.User) ?? throw new UnauthorizedAccessException();
        // The same rule as X-On-Behalf-Of: a customer outside the caller's tree is "not found".
        var ctx = await Entitlements.ResolveCustomerAsync(db, actor, customerId, http.RequestAborted);
        CustomerView.Enter(http, ctx.CustomerId);
        return Results.Redirect("/orders");
    }

    private static IResult Exit(HttpContext http)
    {
        CustomerView.Leave(http);
        return Results.Redirect("/select-organization");
    }

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\");
}

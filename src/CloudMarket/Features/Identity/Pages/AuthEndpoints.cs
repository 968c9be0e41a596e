using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CloudMarket.Features.Identity.Pages;

/// <summary>
/// The form posts of the pages that change who is signed in or whose view it is. Each checks antiforgery
/// explicitly: the antiforgery middleware only records a bad token, and only an endpoint that binds the
/// form (or a Razor component form) refuses it, which sign-out and leaving Customer View do not do.
/// </summary>
public static class AuthEndpoints
{
    public static void MapAuthPages(this IEndpointRouteBuilder app)
    {
        var forms = app.MapGroup("").ExcludeFromDescription()
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(RefuseWithoutAntiforgeryToken);
        forms.MapPost("/signin", SignIn).RequireRateLimiting(IdentityApi.SignInRateLimit);
        forms.MapPost("/signout", SignOut).RequireAuthorization();
        forms.MapPost("/customer-view", Enter).RequireAuthorization();
        forms.MapPost("/customer-view/exit", Exit).RequireAuthorization();
    }

    private static async ValueTask<object?> RefuseWithoutAntiforgeryToken(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next) =>
        ctx.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true }
            ? await next(ctx)
            : TypedResults.Problem(statusCode: 400, title: "The form is out of date.", detail: "Reload the page and try again.");

    private static async Task<IResult> SignIn([FromForm] string? email, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, SignInThrottle throttle, HttpContext http)
    {
        var result = await Authentication.CheckPasswordAsync(signIn, throttle, http, email, password);
        if (result.User is null)
        {
            // The page again, with the e-mail in the form rather than in a URL (where it would end up in
            // histories, proxies' logs and Referer headers).
            if (result.RetryAfter is { } wait)
                http.Response.Headers.RetryAfter = Authentication.Seconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Items[typeof(SignInFailure)] = new SignInFailure(email, LocalUrl(returnUrl), result.RetryAfter);
            return new RazorComponentResult<CloudMarket.Components.App> { StatusCode = result.RetryAfter is null ? StatusCodes.Status200OK : StatusCodes.Status429TooManyRequests };
        }
        await signIn.SignInAsync(result.User, isPersistent: false);
        CustomerView.Leave(http);
        return Results.LocalRedirect(LocalUrl(returnUrl));
    }

    private static async Task<IResult> SignOut(SignInManager<AppUser> signIn, HttpContext http)
    {
        await signIn.SignOutAsync();
        CustomerView.Leave(http);
        return Results.Redirect("/signin");
    }

    /// <summary>Enters the customer's Customer View, on its orders or on the page of it named by <paramref name="returnUrl"/> (a row of Needs attention).</summary>
    private static async Task<IResult> Enter([FromForm] Guid customerId, [FromForm] string? returnUrl, HttpContext http, AppDbContext db)
    {
        var actor = Actor.FromPrincipal(http.User) ?? throw new UnauthorizedAccessException();
        // The same rule as X-On-Behalf-Of: a customer outside the caller's tree is "not found".
        var ctx = await Entitlements.ResolveCustomerAsync(db, actor, customerId, http.RequestAborted);
        CustomerView.Enter(http, ctx.CustomerId);
        return Results.LocalRedirect(Infrastructure.LocalUrl.Or(returnUrl, "/orders"));
    }

    private static IResult Exit(HttpContext http)
    {
        CustomerView.Leave(http);
        return Results.Redirect("/select-organization");
    }

    public static string LocalUrl(string? url) => Infrastructure.LocalUrl.Or(url, "/");
}

/// <summary>What the sign-in page shows after a failed post: the e-mail back in the form, and how long to wait if throttled.</summary>
public sealed record SignInFailure(string? Email, string ReturnUrl, TimeSpan? RetryAfter);

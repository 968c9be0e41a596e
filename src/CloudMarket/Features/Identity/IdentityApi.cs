using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Identity;

public sealed record TokenRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record MeDto(MeUserDto User, MeOrganizationDto Organization, IReadOnlyList<Role> Roles);
public sealed record MeUserDto(Guid Id, string Email, string FirstName, string LastName);
public sealed record MeOrganizationDto(Guid Id, string Name, OrganizationType Type);

public static class IdentityApi
{
    public const string SignInRateLimit = "sign-in";

    public static RouteGroupBuilder MapIdentityApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", Token).AllowAnonymous().RequireRateLimiting(SignInRateLimit)
            .WithTags("Identity").WithName("CreateToken")
            .WithSummary("Exchanges e-mail and password for an access token and a one-time refresh token.")
            .Produces<TokenResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/auth/refresh", Refresh).AllowAnonymous().RequireRateLimiting(SignInRateLimit)
            .WithTags("Identity").WithName("RefreshToken")
            .WithSummary("Exchanges a refresh token, once, for a new access token and refresh token.")
            .Produces<TokenResponse>(StatusCodes.Status200OK)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/me", Me).WithTags("Identity").WithName("Me")
            .WithSummary("The signed-in user, its organization and roles.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/me/password", ChangePassword).WithTags("Identity").WithName("ChangePassword")
            .WithSummary("Changes the caller's password; every session of the user ends, the caller's token included.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Token(TokenRequest? request, SignInManager<AppUser> signIn,
        SessionTokens tokens, ILoggerFactory logs, HttpContext http, CancellationToken ct)
    {
        NoStore(http);
        var result = await Authentication.CheckPasswordAsync(signIn, request?.Email, request?.Password);
        if (result.User is null)
        {
            logs.CreateLogger("CloudMarket.SignIn").LogWarning("Token refused for {Email}: {Reason}", request?.Email, result.Reason);
            // The same answer whether the e-mail exists, the password is wrong or the account is locked.
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed.", detail: "The e-mail or password is wrong, or the account is locked for a while.");
        }
        return TypedResults.Ok(await tokens.IssueAsync(result.User, familyId: null, ct));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(RefreshRequest? request, SessionTokens tokens,
        HttpContext http, CancellationToken ct)
    {
        NoStore(http);
        if (string.IsNullOrEmpty(request?.RefreshToken))
            throw RequestValidationException.For("refreshToken", "Required: the refreshToken of the last token answer.");
        return await tokens.RefreshAsync(request.RefreshToken, ct) is { } pair
            ? TypedResults.Ok(pair)
            // Unknown, expired, used before, or the user's access changed since: sign in again.
            : TypedResults.Problem(statusCode: 401, title: "Refresh refused.", detail: "The refresh token is not valid any more; sign in again.");
    }

    /// <summary>Tokens must not be kept by any cache between the client and the server (RFC 6749, 5.1).</summary>
    private static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
    }

    private static async Task<Ok<MeDto>> Me(Actor actor, AppDbContext db, CancellationToken ct)
    {
        // The session check already refused a deleted user's token; a user deleted during this request is still not a 500.
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == actor.UserId, ct) ?? throw new UnauthorizedAccessException();
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == actor.OrganizationId, ct);
        return TypedResults.Ok(new MeDto(new MeUserDto(user.Id, user.Email ?? "", user.FirstName, user.LastName),
            new MeOrganizationDto(org.Id, org.Name, org.Type), actor.Roles));
    }

    private static async Task<NoContent> ChangePassword(ChangePasswordRequest? request, Actor actor, AppDbContext db, UserManager<AppUser> users,
        SignInManager<AppUser> signIn, TimeProvider clock, CancellationToken ct)
    {
        await UserAdministration.ChangePasswordAsync(db, users, signIn, actor, clock, request, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Password checks shared by the token endpoint and the sign-in page (lockout included).</summary>
public static class Authentication
{
    public sealed record Result(AppUser? User, string Reason);

    public static async Task<Result> CheckPasswordAsync(SignInManager<AppUser> signIn, string? email, string? password)
    {
        // A NUL cannot be in an e-mail, and PostgreSQL refuses it in a query parameter (a 500 otherwise).
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || email.Length > 256 || password.Length > 256
            || Orders.OrderValidator.HasNul(email))
            return new(null, "missing or oversized credentials");
        var user = await signIn.UserManager.FindByEmailAsync(email.Trim());
        if (user is null)
            return new(null, "unknown e-mail");
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return check.Succeeded ? new(user, "ok") : new(null, check.IsLockedOut ? "locked out" : "wrong password");
    }
}

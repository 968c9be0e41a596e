using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Identity;

[CloudMarket.Infrastructure.ApiName("a sign-in")]
public sealed record TokenRequest(string? Email, string? Password);

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
            .WithSummary("Exchanges e-mail and password for a bearer token ({ accessToken, tokenType, expiresIn }).");
        api.MapGet("/me", Me).WithTags("Identity").WithName("Me");
        return api;
    }

    private static async Task<IResult> Token(TokenRequest? request, SignInManager<AppUser> signIn, ILoggerFactory logs)
    {
        var result = await Authentication.CheckPasswordAsync(signIn, request?.Email, request?.Password);
        if (result.User is null)
        {
            logs.CreateLogger("CloudMarket.SignIn").LogWarning("Token refused for {Email}: {Reason}", request?.Email, result.Reason);
            // The same answer whether the e-mail exists, the password is wrong or the account is locked.
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed.", detail: "The e-mail or password is wrong, or the account is locked for a while.");
        }
        var principal = await signIn.CreateUserPrincipalAsync(result.User);
        return TypedResults.SignIn(principal, authenticationScheme: BearerTokenDefaults.AuthenticationScheme);
    }

    private static async Task<Ok<MeDto>> Me(Actor actor, AppDbContext db, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == actor.UserId, ct);
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == actor.OrganizationId, ct);
        return TypedResults.Ok(new MeDto(new MeUserDto(user.Id, user.Email ?? "", user.FirstName, user.LastName),
            new MeOrganizationDto(org.Id, org.Name, org.Type), actor.Roles));
    }
}

/// <summary>Password checks shared by the token endpoint and the sign-in page (lockout included).</summary>
public static class Authentication
{
    public sealed record Result(AppUser? User, string Reason);

    public static async Task<Result> CheckPasswordAsync(SignInManager<AppUser> signIn, string? email, string? password)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || email.Length > 256 || password.Length > 256)
            return new(null, "missing or oversized credentials");
        var user = await signIn.UserManager.FindByEmailAsync(email.Trim());
        if (user is null)
            return new(null, "unknown e-mail");
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return check.Succeeded ? new(user, "ok") : new(null, check.IsLockedOut ? "locked out" : "wrong password");
    }
}

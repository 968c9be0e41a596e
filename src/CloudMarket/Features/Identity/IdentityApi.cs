using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Identity;

[CloudMarket.Infrastructure.ApiName("a sign-in")]
public sealed record TokenRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary><c>timeZone</c>: the IANA zone the pages and e-mails show the user's times in; the API itself answers in UTC.</summary>
public sealed record MeDto(MeUserDto User, MeOrganizationDto Organization, IReadOnlyList<Role> Roles, string TimeZone);

/// <summary>What a user may change of their own profile with <c>PUT /api/v1/me</c>.</summary>
[CloudMarket.Infrastructure.ApiName("a profile")]
public sealed record MeUpdateRequest(string? TimeZone);
public sealed record MeUserDto(Guid Id, string Email, string FirstName, string LastName);
public sealed record MeOrganizationDto(Guid Id, string Name, OrganizationType Type);

public static class IdentityApi
{
    public const string SignInRateLimit = "sign-in";

    public static RouteGroupBuilder MapIdentityApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", Token).AllowAnonymous().RequireRateLimiting(SignInRateLimit)
            .WithTags("Identity").WithName("CreateToken")
            .WithSummary("Sign in: an access token and a one-time refresh token for an e-mail and password")
            .WithDescription("Exchanges e-mail and password for a bearer token. Send the `accessToken` as `Authorization: Bearer <accessToken>` " +
                "on every other call; it expires after `expiresIn` seconds; `POST /auth/refresh` exchanges the `refreshToken` for a new pair, once. " +
                "Repeated failures lock the account for a while; failed sign-ins are throttled per client address. Answers are never cached.")
            .WithRequiredBody()
            .Produces<TokenResponse>(StatusCodes.Status200OK)
            .WithResponseDescription(StatusCodes.Status200OK, "The access token, its lifetime in seconds and a refresh token.")
            .ProducesProblemWhen(StatusCodes.Status401Unauthorized,
                "Sign-in failed: the e-mail or password is wrong, or the account is locked for a while (the same answer in every case).");
        api.MapPost("/auth/refresh", Refresh).AllowAnonymous().RequireRateLimiting(SignInRateLimit)
            .WithTags("Identity").WithName("RefreshToken")
            .WithSummary("Refresh: a new token pair for a refresh token, once")
            .WithDescription("Exchanges a refresh token, once, for a new access token and refresh token; the old refresh token stops working. " +
                "A refresh token used twice ends every session of that sign-in.")
            .WithRequiredBody()
            .Produces<TokenResponse>(StatusCodes.Status200OK)
            .WithResponseDescription(StatusCodes.Status200OK, "A new access token and refresh token.")
            .ProducesProblemWhen(StatusCodes.Status401Unauthorized, "The refresh token is unknown, expired, already used, or the user's access changed.");
        api.MapGet("/me", Me).WithTags("Identity").WithName("Me")
            .WithSummary("The signed-in user")
            .WithDescription("The signed-in user, the organization it belongs to (`distributor`, `seller` or `customer`) and its roles.")
            .WithResponseDescription(StatusCodes.Status200OK, "The user, its organization, roles and time zone.");
        api.MapPut("/me", UpdateMe).WithTags("Identity").WithName("UpdateMe")
            .WithSummary("Change one's own profile: the time zone")
            .WithDescription("Sets the IANA time zone (e.g. `Europe/Berlin`, `UTC`) in which the pages and e-mails show the user's times. " +
                "The API keeps answering in UTC ISO-8601. An unknown name is refused and nothing changes.")
            .WithRequiredBody()
            .Produces<MeDto>(StatusCodes.Status200OK)
            .WithResponseDescription(StatusCodes.Status200OK, "The user as `GET /api/v1/me` answers it, with the new time zone.")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/me/password", ChangePassword).WithTags("Identity").WithName("ChangePassword")
            .WithSummary("Change one's own password")
            .WithDescription("Changes the caller's password under the password rules; every session of the user ends, the caller's token included.")
            .WithRequiredBody()
            .Produces(StatusCodes.Status204NoContent)
            .WithResponseDescription(StatusCodes.Status204NoContent, "Changed; sign in again with the new password.")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest);
        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Token(TokenRequest? request, SignInManager<AppUser> signIn,
        SignInThrottle throttle, IOptions<SecurityOptions> security, SessionTokens tokens, ILoggerFactory logs, HttpContext http, CancellationToken ct)
    {
        NoStore(http);
        var result = await Authentication.CheckPasswordAsync(signIn, throttle, http, request?.Email, request?.Password);
        if (result.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = Authentication.Seconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: 429, title: "Too many failed sign-ins.", detail: Authentication.ThrottledMessage(wait));
        }
        if (result.User is null)
        {
            logs.CreateLogger("CloudMarket.SignIn").LogWarning("Token refused for {Email}: {Reason}", request?.Email, result.Reason);
            // The same answer whether the e-mail exists, the password is wrong or the account is locked.
            return TypedResults.Problem(statusCode: 401, title: "Sign-in failed.", detail: Authentication.FailedMessage(security.Value));
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

    private static async Task<Ok<MeDto>> Me(Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await MeAsync(actor, db, ct));

    private static async Task<Ok<MeDto>> UpdateMe(MeUpdateRequest? request, Actor actor, AppDbContext db, CancellationToken ct)
    {
        if (request is null) throw RequestValidationException.For("body", "A JSON body is required: { \"timeZone\": \"Europe/Berlin\" }.");
        await UserAdministration.SetTimeZoneAsync(db, actor, request.TimeZone, ct);
        return TypedResults.Ok(await MeAsync(actor, db, ct));
    }

    private static async Task<MeDto> MeAsync(Actor actor, AppDbContext db, CancellationToken ct)
    {
        // The session check already refused a deleted user's token; a user deleted during this request is still not a 500.
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == actor.UserId, ct) ?? throw new UnauthorizedAccessException();
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == actor.OrganizationId, ct);
        return new MeDto(new MeUserDto(user.Id, user.Email ?? "", user.FirstName, user.LastName),
            new MeOrganizationDto(org.Id, org.Name, org.Type), actor.Roles, TimeFormat.ZoneOrUtc(user.TimeZone).Id);
    }

    private static async Task<NoContent> ChangePassword(ChangePasswordRequest? request, Actor actor, AppDbContext db, UserManager<AppUser> users,
        SignInManager<AppUser> signIn, TimeProvider clock, CancellationToken ct)
    {
        await UserAdministration.ChangePasswordAsync(db, users, signIn, actor, clock, request, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>
/// Password checks shared by the token endpoint and the sign-in page: the address throttle, the account
/// lockout, and the same work for every answer. Every attempt that gets as far as a password costs one
/// password hash verification, whether the e-mail exists, the password is wrong or the account is locked,
/// so the time of the answer does not tell which e-mails have accounts.
/// </summary>
public static class Authentication
{
    /// <summary><see cref="User"/> when signed in; <see cref="RetryAfter"/> when the address is throttled.</summary>
    public sealed record Result(AppUser? User, string Reason, TimeSpan? RetryAfter = null);

    public static async Task<Result> CheckPasswordAsync(SignInManager<AppUser> signIn, SignInThrottle throttle, HttpContext http,
        string? email, string? password)
    {
        var address = SignInThrottle.AddressOf(http);
        if (throttle.RetryAfter(address) is { } wait)
            return new(null, "throttled", wait);
        var result = await CheckAsync(signIn, email, password);
        if (result.User is null)
            throttle.RecordFailure(address);
        return result;
    }

    private static async Task<Result> CheckAsync(SignInManager<AppUser> signIn, string? email, string? password)
    {
        // A NUL cannot be in an e-mail, and PostgreSQL refuses it in a query parameter (a 500 otherwise).
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || email.Length > 256 || password.Length > 256
            || Orders.OrderValidator.HasNul(email))
            return new(null, "missing or oversized credentials");
        var users = signIn.UserManager;
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null)
        {
            VerifyAgainstDecoy(users, password);
            return new(null, "unknown e-mail");
        }
        if (await users.IsLockedOutAsync(user))
        {
            // Identity answers a locked account without looking at the password; look at a decoy instead.
            VerifyAgainstDecoy(users, password);
            return new(null, "locked out");
        }
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return check.Succeeded ? new(user, "ok") : new(null, check.IsLockedOut ? "locked out" : "wrong password");
    }

    private static readonly AppUser Decoy = new() { Id = Guid.Empty };
    private static string? _decoyHash;

    /// <summary>A verification as costly as a real one (same hasher, same settings), whose answer is ignored.</summary>
    private static void VerifyAgainstDecoy(UserManager<AppUser> users, string password)
    {
        var hash = _decoyHash ??= users.PasswordHasher.HashPassword(Decoy, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        users.PasswordHasher.VerifyHashedPassword(Decoy, hash, password);
    }

    public static string FailedMessage(SecurityOptions security) =>
        $"The e-mail or password is wrong, or the account is locked: after {security.MaxFailedSignIns} failed sign-ins in a row " +
        $"an account is locked for {Minutes(security.LockoutMinutes)}.";

    public static string ThrottledMessage(TimeSpan wait) =>
        $"Too many failed sign-ins from your network address. Try again in {Minutes(Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes)))}.";

    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static string Minutes(int minutes) => minutes == 1 ? "1 minute" : $"{minutes} minutes";
}

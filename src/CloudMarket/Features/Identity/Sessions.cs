using System.Linq.Expressions;
using System.Reflection;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Identity;

/// <summary>
/// Sessions end when access ends. Every bearer token and every page cookie carries the user's
/// security stamp (Identity puts it in the principal at sign-in); every request compares it with
/// the user's current stamp, activity and lockout in one primary-key lookup. A password change, a
/// role change or a deactivation changes the stamp, so all of that user's sessions end at once; a
/// lockout or a deleted user row ends them too.
/// </summary>
/// <remarks>
/// Not cached: the lookup is one indexed read of a few columns, cheaper than the rest of any
/// request, and a cache would let a session outlive its access by the cache's lifetime. Identity's
/// own SecurityStampValidator is not used for the cookie because on success it rebuilds the whole
/// principal (roles, claims, organization: several queries) and re-issues the cookie, which with a
/// validation interval of zero would happen on every page request.
/// </remarks>
public static class Sessions
{
    /// <summary>May this user be signed in now? Active and not locked out. The one rule, for tokens, cookies and refresh.</summary>
    public static bool IsAllowed(bool isActive, bool lockoutEnabled, DateTimeOffset? lockoutEnd, DateTimeOffset now) =>
        isActive && !(lockoutEnabled && lockoutEnd is { } end && end > now);

    public static bool IsAllowed(AppUser user, DateTimeOffset now) => IsAllowed(user.IsActive, user.LockoutEnabled, user.LockoutEnd, now);

    /// <summary>Is the session that issued this principal still valid?</summary>
    public static async Task<bool> IsCurrentAsync(HttpContext http, ClaimsPrincipal principal)
    {
        var services = http.RequestServices;
        var stampClaim = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)) return false;
        if (principal.FindFirstValue(stampClaim) is not { Length: > 0 } stamp) return false;
        var db = services.GetRequiredService<AppDbContext>();
        SessionUser? user;
        CustomerAndSeller? customer = null;
        var prefetch = CustomerContext.CustomerToPrefetch(http, principal);
        if (prefetch is { } want)
        {
            // A customer-scoped request needs the customer and its seller next (CustomerContext): read them in
            // this same statement, not in a round trip of their own. Not cached: read anew for every request.
            var row = await WithCustomerQueries[(int)want.Actor.OrganizationType].For(db)(db, userId, want.Actor.OrganizationId, want.CustomerId, http.RequestAborted);
            (user, customer) = (row?.User, row?.Found);
        }
        else
            user = await UserQuery.For(db)(db, userId, http.RequestAborted);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var current = user is not null && user.SecurityStamp == stamp && IsAllowed(user.IsActive, user.LockoutEnabled, user.LockoutEnd, now);
        // The same read brings the user's time zone, so the pages show times without another query.
        // ... and where the user's own writes stand, so their reads see them also with a read replica.
        if (current)
        {
            UserTimeZone.Remember(http, user!.TimeZone);
            ReadYourWrites.Remember(http, user.LastWriteLsn);
            if (prefetch is { } read)
                CustomerContext.RememberPrefetched(http, userId, read.CustomerId, customer);
        }
        return current;
    }

    // Compiled queries (docs/performance.md, point 9): the statement of every request, so EF Core's per-execution work
    // (building the expression tree, extracting its parameters, looking it up in its query cache) is done once.
    private static IQueryable<SessionUser> Users(AppDbContext db, Guid userId) => throw Splice.NotSpliced();

    private static readonly Expression<Func<AppDbContext, Guid, IQueryable<SessionUser>>> UsersRule = (db, userId) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new SessionUser { SecurityStamp = u.SecurityStamp, IsActive = u.IsActive, LockoutEnabled = u.LockoutEnabled,
                LockoutEnd = u.LockoutEnd, TimeZone = u.TimeZone, LastWriteLsn = u.LastWriteLsn });

    private static readonly MethodInfo UsersMethod = typeof(Sessions).GetMethod(nameof(Users), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly PerModel<Func<AppDbContext, Guid, CancellationToken, Task<SessionUser?>>> UserQuery = new(() => EF.CompileAsyncQuery(
        Splice.Rule<Func<AppDbContext, Guid, CancellationToken, SessionUser?>>(
            (db, userId, ct) => Users(db, userId).SingleOrDefault(), UsersMethod, UsersRule)));

    /// <summary>The user with the customer and seller a customer-scoped request names, per kind of actor (the rule differs).</summary>
    private static readonly PerModel<Func<AppDbContext, Guid, Guid, Guid, CancellationToken, Task<SessionWithCustomer?>>>[] WithCustomerQueries =
        Enum.GetValues<OrganizationType>().Select(type => new PerModel<Func<AppDbContext, Guid, Guid, Guid, CancellationToken, Task<SessionWithCustomer?>>>(() => EF.CompileAsyncQuery(
            Splice.Rule(Splice.Rule<Func<AppDbContext, Guid, Guid, Guid, CancellationToken, SessionWithCustomer?>>(
                (db, userId, actorOrganizationId, customerId, ct) =>
                    (from u in Users(db, userId)
                     from c in Entitlements.CustomerAndSeller(db.Organizations, actorOrganizationId, customerId).DefaultIfEmpty()
                     select new SessionWithCustomer { User = u, Found = c }).SingleOrDefault(),
                UsersMethod, UsersRule), Entitlements.CustomerAndSellerMethod, Entitlements.CustomerAndSellerRule(type))))).ToArray();

    private sealed class SessionWithCustomer
    {
        public required SessionUser User { get; init; }
        public CustomerAndSeller? Found { get; init; }
    }

    private sealed class SessionUser
    {
        public string? SecurityStamp { get; init; }
        public bool IsActive { get; init; }
        public bool LockoutEnabled { get; init; }
        public DateTimeOffset? LockoutEnd { get; init; }
        public string TimeZone { get; init; } = "";
        public long? LastWriteLsn { get; init; }
    }

    /// <summary>The bearer handler's settings: a short lifetime and the session check on every request.</summary>
    public static void ConfigureBearer(BearerTokenOptions options, SecurityOptions security)
    {
        options.BearerTokenExpiration = TimeSpan.FromMinutes(security.AccessTokenMinutes);
        options.Events.OnMessageReceived = AuthenticateBearerAsync;
    }

    /// <summary>
    /// Does the bearer handler's work (read, unprotect, check expiry) plus the session check, so the
    /// token is unprotected once (and a token seen lately not at all: <see cref="OpenedBearerTokens"/>). The bearer
    /// handler has no "token validated" event; this is its hook.
    /// </summary>
    private static async Task AuthenticateBearerAsync(MessageReceivedContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return; // no token: the handler answers "no result" and the endpoint's policy a 401
        var services = context.HttpContext.RequestServices;
        var ticket = services.GetRequiredService<OpenedBearerTokens>().Open(context.Options.BearerTokenProtector, header["Bearer ".Length..]);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (ticket?.Properties.ExpiresUtc is not { } expires)
            context.Fail("The token is not valid.");
        else if (now >= expires)
            context.Fail("The token has expired.");
        else if (!await IsCurrentAsync(context.HttpContext, ticket.Principal))
            context.Fail("The session has ended (password, role or access changed).");
        else
        {
            context.Principal = ticket.Principal;
            context.Properties = ticket.Properties;
            context.Success();
        }
    }

    /// <summary>The page cookie's check on every request: an ended session signs the browser out.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is { } principal && await IsCurrentAsync(context.HttpContext, principal))
            return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
    }
}

/// <summary>The answer of the token and refresh endpoints.</summary>
public sealed record TokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

/// <summary>
/// Issues access tokens (the bearer handler's format, so the handler reads them) with a one-time
/// refresh token kept server-side (<see cref="RefreshToken"/>), and exchanges a refresh token for
/// the next pair.
/// </summary>
public sealed class SessionTokens(
    AppDbContext db, SignInManager<AppUser> signIn, IOptionsMonitor<BearerTokenOptions> bearer,
    IOptions<SecurityOptions> security, TimeProvider clock)
{
    /// <summary>Longer than any token this service issues; a longer one is unknown without looking it up.</summary>
    public const int MaxRefreshTokenLength = 100;

    /// <summary>A new access token and refresh token for the user; a new family unless this continues one.</summary>
    public async Task<TokenResponse> IssueAsync(AppUser user, Guid? familyId, CancellationToken ct)
    {
        var options = bearer.Get(BearerTokenDefaults.AuthenticationScheme);
        var now = clock.GetUtcNow();
        var principal = await signIn.CreateUserPrincipalAsync(user);
        var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = now + options.BearerTokenExpiration },
            $"{BearerTokenDefaults.AuthenticationScheme}:AccessToken");
        var accessToken = options.BearerTokenProtector.Protect(ticket);

        var refreshToken = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var utcNow = now.UtcDateTime;
        // Expired rows of this user are of no use any more, not even to detect reuse.
        await db.WriteAsync(t => db.RefreshTokens.Where(r => r.UserId == user.Id && r.ExpiresAt < utcNow).ExecuteDeleteAsync(t), ct);
        db.RefreshTokens.Add(new RefreshToken(user.Id, familyId ?? Guid.NewGuid(), Hash(refreshToken), user.SecurityStamp ?? "",
            utcNow, utcNow.AddDays(security.Value.RefreshTokenDays)));
        await db.SaveChangesAsync(ct);
        return new TokenResponse("Bearer", accessToken, (long)options.BearerTokenExpiration.TotalSeconds, refreshToken);
    }

    /// <summary>
    /// The next pair for a refresh token that is known, unused, unexpired, and whose user may still
    /// be signed in with the same security stamp; otherwise null (the caller answers 401).
    /// </summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        if (refreshToken.Length > MaxRefreshTokenLength) return null;
        var hash = Hash(refreshToken);
        var row = await db.RefreshTokens.AsNoTracking().SingleOrDefaultAsync(r => r.TokenHash == hash, ct);
        if (row is null) return null;
        var now = clock.GetUtcNow();
        var utcNow = now.UtcDateTime;
        if (row.RevokedAt is not null) return null;
        if (row.UsedAt is not null)
        {
            // A used token presented again: whoever holds the family's newest token may not be the
            // client. End the family (its access tokens run out within minutes).
            await RevokeFamilyAsync(row.FamilyId, utcNow, ct);
            return null;
        }
        if (row.ExpiresAt <= utcNow) return null;

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == row.UserId, ct);
        if (user is null || !Sessions.IsAllowed(user, now) || user.SecurityStamp != row.SecurityStamp)
            return null;

        // Claim the token; of two concurrent refreshes with the same token only one wins, and the
        // other is treated as reuse.
        var claimed = await db.WriteAsync(t => db.RefreshTokens
            .Where(r => r.Id == row.Id && r.UsedAt == null && r.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.UsedAt, utcNow), t), ct);
        if (claimed == 0)
        {
            await RevokeFamilyAsync(row.FamilyId, utcNow, ct);
            return null;
        }
        return await IssueAsync(user, row.FamilyId, ct);
    }

    private Task<int> RevokeFamilyAsync(Guid familyId, DateTime now, CancellationToken ct) =>
        db.WriteAsync(t => db.RefreshTokens.Where(r => r.FamilyId == familyId && r.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.RevokedAt, now), t), ct);

    /// <summary>Refresh tokens are 256 random bits, so a plain SHA-256 (no salt, no stretching) is enough to keep a database leak useless.</summary>
    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>A deactivated user cannot sign in (page or token); lockout and password are Identity's.</summary>
public sealed class AppSignInManager(
    UserManager<AppUser> users, IHttpContextAccessor http, IUserClaimsPrincipalFactory<AppUser> claims,
    IOptions<IdentityOptions> options, ILogger<SignInManager<AppUser>> logger, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(users, http, claims, options, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) => user.IsActive && await base.CanSignInAsync(user);
}

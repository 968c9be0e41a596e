using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;

namespace CloudMarket.Features.Identity;

/// <summary>
/// The bearer tokens this instance has opened lately, so that a client's next request with the same token is not
/// decrypted and authenticated again. Opening one is Data Protection's work (a key derived for the payload, HMAC and
/// AES through OpenSSL, then the ticket read back): 4–7 % of the app's CPU in a list request (docs/performance.md,
/// point 46), the same for every request of a client that keeps its token for its 15 minutes.
/// </summary>
/// <remarks>
/// Only what the token says is kept, never whether it is still good: its expiry and its session (security stamp,
/// active, lockout) are checked on every request as before (<see cref="Sessions"/>). A token that does not open is not
/// kept, so made-up tokens cannot fill the cache. A token is kept at most <see cref="KeptFor"/>, so that a Data
/// Protection key revoked by an operator stops its tokens within that time, and <see cref="Capacity"/> tokens at
/// most (a few kilobytes each, the token itself its key). Each request gets its own copy of the ticket:
/// nothing one request does to its principal or properties reaches another.
/// </remarks>
public sealed class OpenedBearerTokens(TimeProvider clock) : IDisposable
{
    public const int Capacity = 1024;
    public static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _opened = new(new MemoryCacheOptions { SizeLimit = Capacity });

    private sealed record Opened(AuthenticationTicket Ticket, DateTimeOffset At);

    /// <summary>The token's ticket (a copy of its own for the caller), or null when the token does not open.</summary>
    public AuthenticationTicket? Open(ISecureDataFormat<AuthenticationTicket> format, string token)
    {
        var now = clock.GetUtcNow();
        if (!_opened.TryGetValue(token, out Opened? opened) || opened is null || now - opened.At >= KeptFor || now < opened.At)
        {
            if (format.Unprotect(token) is not { } ticket) return null;
            opened = new Opened(ticket, now);
            // The cache's own expiry only frees memory (it runs on the machine's clock); the age above is the rule.
            _opened.Set(token, opened, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = KeptFor });
        }
        // ClaimsPrincipal.Clone() would share its identities with the kept one: each identity is copied (with its claims).
        var principal = new ClaimsPrincipal(opened.Ticket.Principal.Identities.Select(identity => identity.Clone()));
        return new AuthenticationTicket(principal, opened.Ticket.Properties.Clone(), opened.Ticket.AuthenticationScheme);
    }

    public int Count => _opened.Count;

    public void Dispose() => _opened.Dispose();
}

using System.Security.Claims;
using CloudMarket.Features.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace CloudMarket.Tests.Identity;

/// <summary>
/// The cache of opened bearer tokens, on its own (pure logic: a stand-in for Data Protection that counts what it is asked
/// to open). That an expired, deactivated, locked-out or re-roled user's cached token is refused is the API's tests'
/// (SessionApiTests, SessionExpiryApiTests): they use each token before ending its session.
/// </summary>
public sealed class OpenedBearerTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));
    private readonly CountingFormat _format = new();

    [Fact]
    public void ATokenOpenedLately_IsNotOpenedAgain_AndEachCallerGetsACopyOfItsOwn()
    {
        using var tokens = new OpenedBearerTokens(_clock);

        var first = tokens.Open(_format, "token-a")!;
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, "DistributorAdmin"));
        first.Properties.Items["changed"] = "by the first request";
        _clock.Advance(TimeSpan.FromMinutes(4));
        var second = tokens.Open(_format, "token-a")!;

        Assert.Equal(1, _format.Opened);
        Assert.Equal("user-token-a", second.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.False(second.Principal.HasClaim(ClaimTypes.Role, "DistributorAdmin"));
        Assert.False(second.Properties.Items.ContainsKey("changed"));
        Assert.Equal(first.Properties.ExpiresUtc, second.Properties.ExpiresUtc);
    }

    [Fact]
    public void AToken_IsOpenedAgain_OnceItWasKeptFiveMinutes()
    {
        using var tokens = new OpenedBearerTokens(_clock);

        tokens.Open(_format, "token-a");
        _clock.Advance(OpenedBearerTokens.KeptFor);
        tokens.Open(_format, "token-a");

        Assert.Equal(2, _format.Opened);
    }

    [Fact]
    public void ATokenThatDoesNotOpen_IsNotKept()
    {
        using var tokens = new OpenedBearerTokens(_clock);

        Assert.Null(tokens.Open(_format, "forged"));
        Assert.Null(tokens.Open(_format, "forged"));

        Assert.Equal(2, _format.Refused);
        Assert.Equal(0, tokens.Count);
    }

    [Fact]
    public void NoMoreTokensThanItsCapacity_AreKept()
    {
        using var tokens = new OpenedBearerTokens(_clock);

        for (var i = 0; i < OpenedBearerTokens.Capacity + 200; i++)
            Assert.NotNull(tokens.Open(_format, $"token-{i}"));

        Assert.InRange(tokens.Count, 1, OpenedBearerTokens.Capacity);
    }

    /// <summary>Opens any token but "forged" into a ticket naming a user after the token; counts its work.</summary>
    private sealed class CountingFormat : ISecureDataFormat<AuthenticationTicket>
    {
        public int Opened { get; private set; }
        public int Refused { get; private set; }

        public AuthenticationTicket? Unprotect(string? protectedText)
        {
            if (protectedText is null or "forged")
            {
                Refused++;
                return null;
            }
            Opened++;
            var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "user-" + protectedText)], "BearerToken"));
            return new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = new DateTimeOffset(2026, 12, 7, 6, 15, 0, TimeSpan.Zero) }, "BearerToken");
        }

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Unprotect(protectedText);
        public string Protect(AuthenticationTicket data) => throw new NotSupportedException();
        public string Protect(AuthenticationTicket data, string? purpose) => throw new NotSupportedException();
    }
}

using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>A newly issued signing secret: the plain value, shown to its owner once, and what is stored.</summary>
public sealed record IssuedSecret(string Secret, string Protected);

/// <summary>
/// Webhook signing secrets are encrypted at rest with the app's data-protection keys (the ones that
/// protect the sign-in cookies, themselves encrypted with the configured certificate outside
/// Development): a copy of the database alone does not let anyone sign events as CloudMarket.
/// The plain secret exists only in the answer that issues it and, briefly, when a call is signed.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider dataProtection)
{
    private const string PlainPrefix = "whsec_";
    private readonly IDataProtector _protector = dataProtection.CreateProtector("CloudMarket.Webhooks.SigningSecret.v1");

    public IssuedSecret Issue()
    {
        var secret = PlainPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new IssuedSecret(secret, _protector.Protect(secret));
    }

    /// <summary>
    /// The plain secret of a stored one. Endpoints created before secrets were encrypted (their stored
    /// value is still the plain <c>whsec_…</c>) keep working until their secret is rotated.
    /// </summary>
    public string Reveal(string stored) => stored.StartsWith(PlainPrefix, StringComparison.Ordinal) ? stored : _protector.Unprotect(stored);
}

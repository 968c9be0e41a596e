using System.Security.Cryptography;
using System.Text;

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>
/// <c>CloudMarket-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;raw body&gt;"&gt;</c>, keyed with the
/// secret string's UTF-8 bytes (integrations.md). docs/webhooks.md shows receivers how to check it.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "CloudMarket-Signature";
    public const string EventIdHeader = "CloudMarket-Event-Id";
    public const string EventTypeHeader = "CloudMarket-Event-Type";

    public static string Sign(string secret, long unixSeconds, string body) =>
        $"t={unixSeconds},v1={Hex(secret, unixSeconds, body)}";

    /// <summary>What a receiver does: recompute and compare in constant time, and refuse old timestamps (replays).</summary>
    public static bool Verify(string secret, string header, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        long? t = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0] == "t" && long.TryParse(kv[1], out var ts)) t = ts;
            else if (kv[0] == "v1") candidates.Add(kv[1]);
        }
        if (t is null || Math.Abs(now.ToUnixTimeSeconds() - t.Value) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Hex(secret, t.Value, body));
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(c)));
    }

    private static string Hex(string secret, long unixSeconds, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{body}")));
}

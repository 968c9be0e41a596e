using System.Collections.Concurrent;
using System.Net;
using CloudMarket.Infrastructure;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Identity;

/// <summary>
/// Failed sign-ins per client address: after <see cref="SecurityOptions.FailedSignInsPerAddress"/> failures
/// within <see cref="SecurityOptions.FailedSignInWindowMinutes"/> (counted from the first), the address is
/// refused until that window ends, whatever it sends. It comes before the account's own lockout, so one
/// address guessing at a known admin slows down long before it can keep that admin locked out.
/// Counted in this instance's memory, like the rate limits; behind a proxy the address is the client's
/// (X-Forwarded-For from a trusted proxy).
/// </summary>
public sealed class SignInThrottle(IOptions<SecurityOptions> options, TimeProvider clock)
{
    private sealed record Window(DateTimeOffset Ends, int Failures);

    private readonly ConcurrentDictionary<string, Window> _windows = new();
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>
    /// The key of a client address. An IPv6 client usually owns a whole /64, so that is what is counted;
    /// otherwise a new address per attempt would never be throttled.
    /// </summary>
    public static string AddressOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>How long the address must wait, or null when it may try.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = clock.GetUtcNow();
        return _windows.TryGetValue(address, out var window) && window.Ends > now && window.Failures >= options.Value.FailedSignInsPerAddress
            ? window.Ends - now
            : null;
    }

    public void RecordFailure(string address)
    {
        var now = clock.GetUtcNow();
        var length = TimeSpan.FromMinutes(options.Value.FailedSignInWindowMinutes);
        _windows.AddOrUpdate(address,
            _ => new Window(now + length, 1),
            (_, window) => window.Ends > now ? window with { Failures = window.Failures + 1 } : new Window(now + length, 1));
        // Forget ended windows now and then, so addresses that stopped trying do not pile up.
        if (now - _lastSweep > TimeSpan.FromMinutes(1))
        {
            _lastSweep = now;
            foreach (var (key, window) in _windows)
                if (window.Ends <= now)
                    _windows.TryRemove(new KeyValuePair<string, Window>(key, window));
        }
    }
}

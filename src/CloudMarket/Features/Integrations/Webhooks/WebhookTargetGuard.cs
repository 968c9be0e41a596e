using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>A webhook target this platform must not call: http, or an address inside a network.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);

/// <summary>
/// SSRF protection. Webhook URLs come from customers; without this a URL could make the platform call
/// its own database, a cloud metadata service or anything else on the inside. The address is checked
/// when the URL is saved and again in the connection callback of every call, after DNS resolution and
/// before any socket is opened, so DNS answers that change (rebinding) are caught too.
/// </summary>
public sealed class WebhookTargetGuard(IOptions<WebhookOptions> options)
{
    public bool AllowLocal => options.Value.AllowLocalTargets == true;

    /// <summary>Scheme and literal-address checks on a URL, for saving it and before each call.</summary>
    public string? Problem(Uri url)
    {
        if (url.Scheme != Uri.UriSchemeHttps && !(AllowLocal && url.Scheme == Uri.UriSchemeHttp))
            return "Must be an https URL.";
        if (!string.IsNullOrEmpty(url.UserInfo))
            return "Must not contain a user name or password.";
        if (!AllowLocal && IPAddress.TryParse(url.IdnHost.Trim('[', ']'), out var ip) && !IsPublic(ip))
            return $"{ip} is a private, loopback or link-local address.";
        return null;
    }

    /// <summary>When saving: also resolve the name, and refuse it when it points inside (a name that does not resolve now is checked at call time).</summary>
    public async Task<string?> ProblemAsync(Uri url, CancellationToken ct)
    {
        if (Problem(url) is { } problem) return problem;
        if (AllowLocal) return null;
        try
        {
            await ResolveAsync(url.IdnHost, ct);
            return null;
        }
        catch (WebhookTargetRefusedException e) { return e.Message; }
        catch (SocketException) { return null; }
    }

    /// <summary>SocketsHttpHandler.ConnectCallback: resolve, check every address, only then connect.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (!AllowLocal && addresses.FirstOrDefault(a => !IsPublic(a)) is { } inside)
            throw new WebhookTargetRefusedException($"Refused: {host} is {inside}, a private, loopback or link-local address.");
        return addresses;
    }

    /// <summary>False for loopback, private, carrier-grade NAT, link-local, unique-local, multicast and reserved ranges.</summary>
    public static bool IsPublic(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || ip.Equals(IPAddress.IPv6None))
            return false;
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                     || (b[0] == 100 && b[1] >= 64 && b[1] < 128)
                     || (b[0] == 169 && b[1] == 254)
                     || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                     || (b[0] == 192 && b[1] == 168)
                     || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                     || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));
        }
        var v6 = ip.GetAddressBytes();
        return !(ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6Multicast || ip.IsIPv6UniqueLocal
                 || (v6[0] & 0xfe) == 0xfc);
    }
}

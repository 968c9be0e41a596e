using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Identity;

/// <summary>
/// The signed-in user's time zone for this request: read with the session check (<see cref="Sessions"/>),
/// so every page formats times in it (<see cref="TimeFormat"/>) at no extra cost; UTC without a user.
/// </summary>
public static class UserTimeZone
{
    private static readonly object Key = new();

    public static void Remember(HttpContext http, string? zoneName) => http.Items[Key] = TimeFormat.ZoneOrUtc(zoneName);

    public static TimeZoneInfo Of(HttpContext? http) =>
        http?.Items.TryGetValue(Key, out var zone) == true && zone is TimeZoneInfo z ? z : TimeZoneInfo.Utc;
}

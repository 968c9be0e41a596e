using System.Globalization;
using System.Text.RegularExpressions;

namespace CloudMarket.Infrastructure;

/// <summary>
/// The one date and time format of the pages, the CSV and xlsx exports and the e-mails, in the reader's
/// time zone (an IANA name, the user's profile setting, <c>UTC</c> by default). The API itself stays in
/// UTC ISO-8601; only what people read goes through here.
/// </summary>
/// <remarks>
/// A time is "2025-03-30 14:20" (24 h, minutes) where a heading or the sentence names the zone, and
/// <see cref="WithZone"/> "2025-03-30 14:20 (UTC+02:00, Europe/Berlin)" where nothing else does: the offset
/// makes the hour that a DST change repeats unambiguous. A date alone is "2025-03-30" (the local date).
/// </remarks>
public static partial class TimeFormat
{
    public const string DefaultZone = "UTC";

    /// <summary>The longest IANA name accepted (the longest real one has 32 characters).</summary>
    public const int MaxZoneLength = 64;

    public const string DateTimePattern = "yyyy-MM-dd HH:mm";
    private const string DatePattern = "yyyy-MM-dd";

    /// <summary>The instant as the zone's wall clock shows it.</summary>
    public static DateTime Local(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);

    /// <summary>"2025-03-30 14:20": for cells and columns whose heading names the zone (<see cref="ZoneName"/>).</summary>
    public static string Exact(DateTime utc, TimeZoneInfo zone) =>
        Local(utc, zone).ToString(DateTimePattern, CultureInfo.InvariantCulture);

    /// <summary>The same for a caller that holds the zone's name (exports): an unknown name reads as UTC.</summary>
    public static string Exact(DateTime utc, string? zoneName) => Exact(utc, ZoneOrUtc(zoneName));

    /// <summary>"2025-03-30 14:20 (UTC+02:00, Europe/Berlin)", or "2025-03-30 14:20 UTC": a time that names its zone.</summary>
    public static string WithZone(DateTime utc, TimeZoneInfo zone)
    {
        if (zone.Id == TimeZoneInfo.Utc.Id) return Exact(utc, zone) + " UTC";
        var offset = zone.GetUtcOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return $"{Exact(utc, zone)} ({Offset(offset)}, {zone.Id})";
    }

    /// <summary>The local date of the instant, "2025-03-30".</summary>
    public static string Date(DateTime utc, TimeZoneInfo zone) =>
        Local(utc, zone).ToString(DatePattern, CultureInfo.InvariantCulture);

    /// <summary>How headings and notes name the zone: "UTC", "Europe/Berlin".</summary>
    public static string ZoneName(TimeZoneInfo zone) => zone.Id;

    /// <summary>
    /// "just now", "5 min ago", "2 h ago", "3 days ago" (and "in 2 h" for the future); beyond 30 days the
    /// local date. Counted on instants, so a DST change in between changes nothing.
    /// </summary>
    public static string Relative(DateTime utc, DateTime nowUtc, TimeZoneInfo zone)
    {
        var span = nowUtc - utc;
        var future = span < TimeSpan.Zero;
        var size = future ? -span : span;
        string amount;
        if (size < TimeSpan.FromMinutes(1)) return "just now";
        if (size < TimeSpan.FromHours(1)) amount = $"{(int)size.TotalMinutes} min";
        else if (size < TimeSpan.FromDays(1)) amount = $"{(int)size.TotalHours} h";
        else if (size < TimeSpan.FromDays(31)) amount = (int)size.TotalDays == 1 ? "1 day" : $"{(int)size.TotalDays} days";
        else return Date(utc, zone);
        return future ? "in " + amount : amount + " ago";
    }

    /// <summary>The zone of an IANA name, or null when the name is not one (Windows names, unknown or malformed names).</summary>
    public static TimeZoneInfo? Find(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxZoneLength || !IanaShape().IsMatch(name)) return null;
        if (name == DefaultZone) return TimeZoneInfo.Utc;
        // The system's tz database; the shape check above keeps names that are paths or Windows ids out.
        return TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) && zone.HasIanaId && zone.Id == name ? zone : null;
    }

    /// <summary>The zone of a stored name; UTC when it is missing or no longer known to the system.</summary>
    public static TimeZoneInfo ZoneOrUtc(string? name) => Find(name) ?? TimeZoneInfo.Utc;

    /// <summary>The zones a person can choose from, UTC first, then by name.</summary>
    public static IReadOnlyList<string> Choices() => choices.Value;

    private static readonly Lazy<IReadOnlyList<string>> choices = new(() =>
        new[] { DefaultZone }.Concat(TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id)
            .Where(id => id != DefaultZone && Find(id) is not null).Distinct().Order(StringComparer.Ordinal)).ToList());

    private static string Offset(TimeSpan offset) =>
        "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    // Area/Location[/Sub], or a single word (UTC, GMT, EST5EDT), or Etc/GMT+5.
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IanaShape();
}

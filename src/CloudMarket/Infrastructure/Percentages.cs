using System.Globalization;

namespace CloudMarket.Infrastructure;

/// <summary>
/// How a percentage reads everywhere it is written for people: item descriptions (stored, so the API, events and
/// exports say the same), pages and summaries. "15%", "12.5%", "0.25%": up to two decimals, no trailing zeros.
/// </summary>
public static class Percentages
{
    public static string Format(decimal percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>A percentage that may be unknown or not shown: <paramref name="absent"/> then.</summary>
    public static string Format(decimal? percent, string absent) => percent is { } p ? Format(p) : absent;

    /// <summary>A rate (0.125) as a percentage ("12.5%"), to one decimal.</summary>
    public static string OfRate(double rate) => Format(Math.Round((decimal)rate * 100, 1));
}

using System.Globalization;
using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;

namespace CloudMarket.Components.Shared;

/// <summary>Form fields as the pages read them: every field as text, a bad one reported next to it (400 words).</summary>
public static class FormValues
{
    public static int? ParseInt(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
        throw RequestValidationException.For(field, "Must be a whole number.");
    }

    public static decimal? ParseDecimal(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (decimal.TryParse(value.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d)) return d;
        throw RequestValidationException.For(field, "Must be a number, e.g. 15 or 12.5.");
    }

    /// <summary>A date-time field (<c>datetime-local</c>, "2026-12-15T06:00") read as UTC, as the pages label it.</summary>
    public static DateTime? ParseUtc(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateTime.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return DateTime.SpecifyKind(at, DateTimeKind.Utc);
        throw RequestValidationException.For(field, "Must be a date and time, e.g. 2026-12-15 06:00.");
    }

    public static BillingCycle? ParseCycle(string? value) =>
        Enum.TryParse<BillingCycle>(value, ignoreCase: true, out var c) && Enum.IsDefined(c) ? c : null;
}

using System.Globalization;

namespace CloudMarket.Features.Catalog;

/// <summary>The span, after a term begins, in which the vendor takes licences back.</summary>
public sealed record CancellationWindow(DateTime OpensAt, DateTime ClosesAt)
{
    public bool IsOpenAt(DateTime now) => now >= OpensAt && now < ClosesAt;
}

/// <summary>
/// A vendor's cancellation policy, stated per offer (<see cref="Offer.CancellationWindowHours"/>):
/// Microsoft's new commerce takes licences back only within 168 hours of the purchase or of each
/// renewal; vendors without a window take them back at any time. The one place of this rule: the
/// order validator refuses a late decrease with it, the subscription answers <c>cancellableUntil</c>
/// from it, and the vendor sandbox enforces the same figures (../shared/spec/workflow.md,
/// "Cancellation windows", grows from here: a window per increase, the <c>cancel</c> item kind).
/// </summary>
public static class CancellationPolicy
{
    /// <summary>The window of the term that began at <paramref name="termStart"/>; null when the vendor has none.</summary>
    public static CancellationWindow? WindowOf(int? windowHours, DateTime termStart) =>
        windowHours is { } hours ? new CancellationWindow(termStart, termStart.AddHours(hours)) : null;

    /// <summary>Until when licences can be decreased; null when no window is open now (closed, or the vendor has none).</summary>
    public static DateTime? CancellableUntil(int? windowHours, DateTime termStart, DateTime now) =>
        WindowOf(windowHours, termStart) is { } window && window.IsOpenAt(now) ? window.ClosesAt : null;

    /// <summary>Why a decrease is refused now, with the deadline that passed; null when it is allowed.</summary>
    public static string? DecreaseRefusal(int? windowHours, DateTime termStart, DateTime now) =>
        WindowOf(windowHours, termStart) is { } window && !window.IsOpenAt(now)
            ? $"Licences can be decreased only until {Moment(window.ClosesAt)}, {Span(windowHours!.Value)} after the purchase or the last renewal."
            : null;

    /// <summary>A moment as the messages and pages write it: 2026-11-28 14:20 UTC.</summary>
    public static string Moment(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>168 → "7 days", 36 → "36 hours", 24 → "1 day".</summary>
    public static string Span(int hours) => hours % 24 == 0
        ? $"{hours / 24} day{(hours == 24 ? "" : "s")}"
        : $"{hours} hour{(hours == 1 ? "" : "s")}";
}

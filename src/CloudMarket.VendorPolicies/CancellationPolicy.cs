using System.Globalization;

namespace CloudMarket.VendorPolicies;

/// <summary>The span, after a term begins, in which the vendor takes licences back.</summary>
public sealed record CancellationWindow(DateTime OpensAt, DateTime ClosesAt)
{
    public bool IsOpenAt(DateTime now) => now >= OpensAt && now < ClosesAt;
}

/// <summary>
/// An increase of a subscription, kept while its own window may be open: the licences above
/// <see cref="QuantityBefore"/> were added <see cref="At"/> and can be taken back for the offer's
/// window hours from then.
/// </summary>
public sealed record IncreaseWindow(DateTime At, int QuantityBefore);

/// <summary>
/// What can be taken back now: down to <see cref="Floor"/> licences (0: all of them, so the
/// subscription can be cancelled), until <see cref="Until"/> (null: the vendor has no window).
/// </summary>
public sealed record DecreaseAllowance(int Floor, DateTime? Until);

/// <summary>
/// A vendor's cancellation policy, stated per offer (the platform's <c>Offer.CancellationWindowHours</c>).
/// Microsoft's new commerce takes licences back only within 168 hours: all of them after the
/// purchase or a renewal, and those an increase added after that increase; vendors without a window
/// take them back at any time. The one place of this rule (workflow.md, "Cancellation windows"): the
/// order validator refuses a late decrease or cancel with it, the subscription answers
/// <c>cancellableUntil</c> and its unavailable actions from it, the pages show its deadlines, and
/// the vendor sandbox enforces the same figures with this same code.
/// </summary>
public static class CancellationPolicy
{
    /// <summary>The window of the term that began at <paramref name="termStart"/>; null when the vendor has none.</summary>
    public static CancellationWindow? WindowOf(int? windowHours, DateTime termStart) =>
        windowHours is { } hours ? new CancellationWindow(termStart, termStart.AddHours(hours)) : null;

    /// <summary>Until when the term's window lets every licence go; null when it is not open now (closed, or the vendor has none).</summary>
    public static DateTime? CancellableUntil(int? windowHours, DateTime termStart, DateTime now) =>
        WindowOf(windowHours, termStart) is { } window && window.IsOpenAt(now) ? window.ClosesAt : null;

    /// <summary>
    /// Until when licences can be decreased at all (the term's window, else the window of a recent
    /// increase); null when no window is open now or the vendor has none.
    /// </summary>
    public static DateTime? CancellableUntil(int? windowHours, DateTime termStart, IEnumerable<IncreaseWindow> increases, DateTime now) =>
        Allowance(windowHours, termStart, increases, now)?.Until;

    /// <summary>
    /// How far licences can be decreased now: any quantity while the term's window is open (or when
    /// the vendor has none), down to the quantity before the oldest increase whose own window is
    /// open, else not at all (null).
    /// </summary>
    /// <remarks>
    /// A decrease in an increase's window leaves the earlier increases' floors right: each increase
    /// records the quantity it started from, and no decrease goes below an open floor.
    /// </remarks>
    public static DecreaseAllowance? Allowance(int? windowHours, DateTime termStart, IEnumerable<IncreaseWindow> increases, DateTime now)
    {
        if (windowHours is not { } hours) return new DecreaseAllowance(0, null);
        if (CancellableUntil(hours, termStart, now) is { } until) return new DecreaseAllowance(0, until);
        var open = increases.Where(i => WindowOf(hours, i.At)!.IsOpenAt(now)).ToList();
        if (open.Count == 0) return null;
        var floor = open.Min(i => i.QuantityBefore);
        return new DecreaseAllowance(floor, open.Where(i => i.QuantityBefore == floor).Max(i => i.At.AddHours(hours)));
    }

    /// <summary>The increases whose window may still be open at <paramref name="now"/>: the others are no longer kept.</summary>
    public static IEnumerable<IncreaseWindow> StillOpen(int? windowHours, IEnumerable<IncreaseWindow> increases, DateTime now) =>
        windowHours is { } hours ? increases.Where(i => i.At.AddHours(hours) > now) : [];

    /// <summary>Why decreasing from <paramref name="current"/> to <paramref name="quantity"/> licences is refused now, with the deadline that passed; null when it is allowed.</summary>
    public static string? DecreaseRefusal(int? windowHours, DateTime termStart, IEnumerable<IncreaseWindow> increases, int current, int quantity,
        DateTime now)
    {
        if (WindowOf(windowHours, termStart) is not { } term) return null;
        var list = increases.ToList();
        var allowance = Allowance(windowHours, termStart, list, now);
        if (allowance is not null && quantity >= allowance.Floor) return null;
        var termRule = $"Licences can be decreased only until {Moment(term.ClosesAt)}, {Span(windowHours!.Value)} after the purchase or the last renewal.";
        if (allowance is { Until: { } until })
            return $"{termRule} Only the {current - allowance.Floor} licences added since can still be decreased, until {Moment(until)}: " +
                   $"decrease to {allowance.Floor} at the lowest.";
        // The last increase's own deadline, when it passed after the term's: the deadline that passed last.
        var lastIncrease = list.Select(i => (DateTime?)i.At.AddHours(windowHours.Value)).Where(c => c > term.ClosesAt).Max();
        return lastIncrease is { } last
            ? $"{termRule} The licences added by the last increase could be decreased until {Moment(last)}."
            : termRule;
    }

    /// <summary>Why decreasing is refused now (the term's window only); null when it is allowed. For figures without increases.</summary>
    public static string? DecreaseRefusal(int? windowHours, DateTime termStart, DateTime now) =>
        DecreaseRefusal(windowHours, termStart, [], 1, 0, now);

    /// <summary>Why cancelling the whole subscription is refused now, with the deadline that passed; null when it is allowed.</summary>
    public static string? CancelRefusal(int? windowHours, DateTime termStart, DateTime now) =>
        WindowOf(windowHours, termStart) is { } window && !window.IsOpenAt(now)
            ? $"A subscription can be cancelled only until {Moment(window.ClosesAt)}, {Span(windowHours!.Value)} after the purchase or the last renewal."
            : null;

    /// <summary>A moment as the messages and pages write it: 2026-11-28 14:20 UTC.</summary>
    public static string Moment(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>168 → "7 days", 36 → "36 hours", 24 → "1 day".</summary>
    public static string Span(int hours) => hours % 24 == 0
        ? $"{hours / 24} day{(hours == 24 ? "" : "s")}"
        : $"{hours} hour{(hours == 1 ? "" : "s")}";
}

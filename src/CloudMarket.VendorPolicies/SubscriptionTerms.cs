namespace CloudMarket.VendorPolicies;

/// <summary>A subscription's term: from its start (the purchase, or a renewal) to its renewal.</summary>
public sealed record SubscriptionTerm(DateTime StartsAt, DateTime EndsAt);

/// <summary>
/// How terms follow each other: each lasts the offer's term months and, while the subscription renews
/// itself, the next begins the moment one ends (the vendor renews it then, and a new cancellation window
/// opens, <see cref="CancellationPolicy"/>). The one place of this rule: the platform's subscriptions
/// (<c>Subscription.TermAt</c>) and the vendor sandbox both count the renewals due by a moment with it, so
/// that a change scheduled for the renewal is judged in the new term by both.
/// </summary>
public static class SubscriptionTerms
{
    /// <summary>
    /// The term in force at <paramref name="moment"/>: <paramref name="current"/>, followed by every renewal due
    /// by then while the subscription <paramref name="renews"/> (else it stays the last term it had).
    /// </summary>
    public static SubscriptionTerm At(SubscriptionTerm current, int termMonths, bool renews, DateTime moment)
    {
        var term = current;
        // A term that begins at DateTime.MinValue is one whose start nobody knows (bought long ago): no renewal can be counted from it.
        if (!renews || termMonths <= 0 || term.StartsAt == DateTime.MinValue) return term;
        while (term.EndsAt <= moment)
            term = new SubscriptionTerm(term.EndsAt, term.EndsAt.AddMonths(termMonths));
        return term;
    }
}

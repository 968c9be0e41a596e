using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;

namespace CloudMarket.Features.Subscriptions;

/// <summary><c>cancelled</c>: a completed <c>cancel</c> item ended it within its cancellation window; nothing changes it any more.</summary>
[JsonConverter(typeof(ApiEnumConverter<SubscriptionStatus>))]
public enum SubscriptionStatus { Active, Suspended, Cancelled }

public sealed record AdminContact(string Email, string FirstName, string LastName);

/// <summary>A customer's holding of an offer. Changed only by applying a completed order.</summary>
public sealed class Subscription
{
    private Subscription() { }

    public Subscription(Guid id, Guid customerId, Offer offer, int quantity, BillingCycle billingCycle, bool autoRenew,
        DateTime startDate, decimal markupPercent, AdminContact? adminContact, string? tenantName, Guid? parentSubscriptionId)
    {
        Id = id;
        CustomerId = customerId;
        OfferId = offer.Id;
        Quantity = quantity;
        Status = SubscriptionStatus.Active;
        BillingCycle = billingCycle;
        TermMonths = offer.TermMonths;
        AutoRenew = autoRenew;
        StartDate = startDate;
        RenewalDate = startDate.AddMonths(offer.TermMonths);
        MarkupPercent = markupPercent;
        AdminEmail = adminContact?.Email;
        AdminFirstName = adminContact?.FirstName;
        AdminLastName = adminContact?.LastName;
        TenantName = tenantName;
        ParentSubscriptionId = parentSubscriptionId;
    }

    public Guid Id { get; private set; }
    public Guid CustomerId { get; private set; }
    public string OfferId { get; private set; } = "";
    public Offer Offer { get; private set; } = null!;
    public int Quantity { get; private set; }
    public SubscriptionStatus Status { get; private set; }
    public BillingCycle BillingCycle { get; private set; }
    public int TermMonths { get; private set; }
    public bool AutoRenew { get; private set; }
    public DateTime StartDate { get; private set; }
    public DateTime RenewalDate { get; private set; }
    public decimal MarkupPercent { get; private set; }
    public string? AdminEmail { get; private set; }
    public string? AdminFirstName { get; private set; }
    public string? AdminLastName { get; private set; }
    public string? TenantName { get; private set; }

    /// <summary>For an add-on subscription: the subscription it is attached to.</summary>
    public Guid? ParentSubscriptionId { get; private set; }

    /// <summary>The vendor's own id for this subscription, once provisioned.</summary>
    public string? VendorSubscriptionId { get; private set; }

    public AdminContact? AdminContact => AdminEmail is null ? null : new(AdminEmail, AdminFirstName ?? "", AdminLastName ?? "");

    /// <summary>When the current term began: the purchase, or the last renewal (the renewal date is the end of the term).</summary>
    public DateTime CurrentTermStart
    {
        get
        {
            var start = RenewalDate.AddMonths(-TermMonths);
            return start > StartDate ? start : StartDate;
        }
    }

    /// <summary>
    /// The increases whose own cancellation window may still be open (older ones are dropped when the
    /// next is recorded): the licences each added can be taken back until its window closes.
    /// </summary>
    public List<IncreaseWindow> RecentIncreases { get; private set; } = [];

    /// <summary>Whether the vendor starts a new term when this one ends: it renews itself and was not cancelled.</summary>
    private bool Renews => AutoRenew && Status != SubscriptionStatus.Cancelled;

    /// <summary>
    /// The term in force at <paramref name="moment"/>: the recorded one followed by the renewals due by then
    /// (<see cref="SubscriptionTerms"/>), so an answer or a check is right even before the renewals are recorded.
    /// </summary>
    public SubscriptionTerm TermAt(DateTime moment) =>
        SubscriptionTerms.At(new SubscriptionTerm(CurrentTermStart, RenewalDate), TermMonths, Renews, moment);

    /// <summary>
    /// Until when licences can be decreased (the term's window, or a recent increase's); null when no
    /// window is open or the vendor has none (see <see cref="CancellationPolicy"/>). A cancelled one has none.
    /// </summary>
    public DateTime? CancellableUntil(Offer offer, DateTime now) => Status == SubscriptionStatus.Cancelled
        ? null
        : CancellationPolicy.CancellableUntil(offer.CancellationWindowHours, TermAt(now).StartsAt, RecentIncreases, now);

    /// <summary>How far licences can be decreased at <paramref name="moment"/> (null: not at all); see <see cref="CancellationPolicy.Allowance"/>.</summary>
    public DecreaseAllowance? DecreaseAllowance(Offer offer, DateTime moment) =>
        CancellationPolicy.Allowance(offer.CancellationWindowHours, TermAt(moment).StartsAt, RecentIncreases, moment);

    /// <summary>
    /// Why decreasing to <paramref name="quantity"/> is refused at <paramref name="moment"/> (the deadline that passed); null
    /// when allowed. The moment is when the change runs: a decrease scheduled for the renewal is judged in the new term.
    /// </summary>
    public string? DecreaseRefusal(Offer offer, int quantity, DateTime moment) =>
        CancellationPolicy.DecreaseRefusal(offer.CancellationWindowHours, TermAt(moment).StartsAt, RecentIncreases, Quantity, quantity, moment);

    /// <summary>Why cancelling is refused at <paramref name="moment"/> (the deadline that passed); null when allowed.</summary>
    public string? CancelRefusal(Offer offer, DateTime moment) =>
        CancellationPolicy.CancelRefusal(offer.CancellationWindowHours, TermAt(moment).StartsAt, moment);

    /// <summary>The vendor renewed the subscription for another term (the demo's history).</summary>
    public void RecordRenewal() => RenewalDate = RenewalDate.AddMonths(TermMonths);

    /// <summary>Records the renewals due by <paramref name="now"/>; true when there were any.</summary>
    public bool RecordRenewalsDueBy(DateTime now)
    {
        var end = TermAt(now).EndsAt;
        if (end == RenewalDate) return false;
        RenewalDate = end;
        return true;
    }

    /// <summary>
    /// The vendor changed the quantity. An increase opens a window of its own for the licences it
    /// added (when the offer has windows); increases whose window has closed are no longer kept.
    /// </summary>
    public void SetQuantity(int quantity, Offer offer, DateTime now)
    {
        var increases = CancellationPolicy.StillOpen(offer.CancellationWindowHours, RecentIncreases, now).ToList();
        if (quantity > Quantity && offer.CancellationWindowHours is not null)
            increases.Add(new IncreaseWindow(now, Quantity));
        if (!increases.SequenceEqual(RecentIncreases))
            RecentIncreases = increases;
        Quantity = quantity;
    }

    public void Cancel() => Status = SubscriptionStatus.Cancelled;
    public void Suspend() => Status = SubscriptionStatus.Suspended;
    public void Reactivate() => Status = SubscriptionStatus.Active;
    public void SetAutoRenew(bool autoRenew) => AutoRenew = autoRenew;
    public void SetMarkup(decimal percent) => MarkupPercent = percent;
    public void SetVendorSubscriptionId(string? id) => VendorSubscriptionId = id ?? VendorSubscriptionId;
}

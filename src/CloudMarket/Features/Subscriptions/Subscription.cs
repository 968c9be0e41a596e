using CloudMarket.Features.Catalog;

namespace CloudMarket.Features.Subscriptions;

/// <summary><c>cancelled</c>: a completed <c>cancel</c> item ended it within its cancellation window; nothing changes it any more.</summary>
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

    /// <summary>
    /// Until when licences can be decreased (the term's window, or a recent increase's); null when no
    /// window is open or the vendor has none (see <see cref="CancellationPolicy"/>). A cancelled one has none.
    /// </summary>
    public DateTime? CancellableUntil(Offer offer, DateTime now) => Status == SubscriptionStatus.Cancelled
        ? null
        : CancellationPolicy.CancellableUntil(offer.CancellationWindowHours, CurrentTermStart, RecentIncreases, now);

    /// <summary>How far licences can be decreased now (null: not at all); see <see cref="CancellationPolicy.Allowance"/>.</summary>
    public DecreaseAllowance? DecreaseAllowance(Offer offer, DateTime now) =>
        CancellationPolicy.Allowance(offer.CancellationWindowHours, CurrentTermStart, RecentIncreases, now);

    /// <summary>Why decreasing to <paramref name="quantity"/> is refused now (the deadline that passed); null when allowed.</summary>
    public string? DecreaseRefusal(Offer offer, int quantity, DateTime now) =>
        CancellationPolicy.DecreaseRefusal(offer.CancellationWindowHours, CurrentTermStart, RecentIncreases, Quantity, quantity, now);

    /// <summary>Why cancelling is refused now (the deadline that passed); null when allowed.</summary>
    public string? CancelRefusal(Offer offer, DateTime now) =>
        CancellationPolicy.CancelRefusal(offer.CancellationWindowHours, CurrentTermStart, now);

    /// <summary>The vendor renewed the subscription for another term.</summary>
    public void RecordRenewal() => RenewalDate = RenewalDate.AddMonths(TermMonths);

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

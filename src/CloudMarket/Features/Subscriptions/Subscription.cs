using CloudMarket.Features.Catalog;

namespace CloudMarket.Features.Subscriptions;

public enum SubscriptionStatus { Active, Suspended }

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

    /// <summary>Until when licences can be decreased in this term; null when no window is open (see <see cref="CancellationPolicy"/>).</summary>
    public DateTime? CancellableUntil(Offer offer, DateTime now) => CancellationPolicy.CancellableUntil(offer.CancellationWindowHours, CurrentTermStart, now);

    /// <summary>The vendor renewed the subscription for another term.</summary>
    public void RecordRenewal() => RenewalDate = RenewalDate.AddMonths(TermMonths);

    public void SetQuantity(int quantity) => Quantity = quantity;
    public void Suspend() => Status = SubscriptionStatus.Suspended;
    public void Reactivate() => Status = SubscriptionStatus.Active;
    public void SetAutoRenew(bool autoRenew) => AutoRenew = autoRenew;
    public void SetMarkup(decimal percent) => MarkupPercent = percent;
    public void SetVendorSubscriptionId(string? id) => VendorSubscriptionId = id ?? VendorSubscriptionId;
}

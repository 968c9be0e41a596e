using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;

namespace CloudMarket.Features.Orders;

[JsonConverter(typeof(ApiEnumConverter<OrderItemKind>))]
public enum OrderItemKind
{
    NewSubscription,
    IncreaseQuantity,
    DecreaseQuantity,
    Suspend,
    Reactivate,
    ChangeAutoRenew,
    ChangeMarkup,

    /// <summary>Ends a subscription, allowed only while its cancellation window is open (workflow.md).</summary>
    Cancel,
}

[JsonConverter(typeof(ApiEnumConverter<ItemProvisioningStatus>))]
public enum ItemProvisioningStatus { Pending, ProvisioningStarted, ProvisioningFinished, ProvisioningFailed }

/// <summary>An add-on bought together with a new subscription; provisioned with its parent item.</summary>
public sealed class OrderItemAddon
{
    private OrderItemAddon() { }

    public OrderItemAddon(string offerId, string offerName, int quantity, decimal monthlyVendorCost)
    {
        OfferId = offerId;
        OfferName = offerName;
        Quantity = quantity;
        MonthlyVendorCost = monthlyVendorCost;
    }

    public string OfferId { get; private set; } = "";
    public string OfferName { get; private set; } = "";
    public int Quantity { get; private set; }
    public decimal MonthlyVendorCost { get; private set; }
}

/// <summary>
/// What an item asks for, as the API and the pages send it. The order turns it into an
/// <see cref="OrderItem"/> with a snapshot of the names and prices at the time.
/// </summary>
public sealed record ItemSpec(
    OrderItemKind Kind,
    Offer Offer,
    Subscription? Subscription,
    int? Quantity,
    BillingCycle BillingCycle,
    IReadOnlyList<(Offer Offer, int Quantity)> Addons,
    AdminContact? AdminContact,
    string? TenantName,
    bool? AutoRenew,
    decimal? MarkupPercent,
    decimal DistributorMarkupPercent,
    decimal SellerMarkupPercent);

/// <summary>One requested change of an order, with its own provisioning state.</summary>
public sealed class OrderItem
{
    private OrderItem() { }

    internal OrderItem(Guid id, int position, ItemSpec spec)
    {
        Id = id;
        Position = position;
        Apply(spec);
    }

    public Guid Id { get; private set; }
    public long OrderId { get; private set; }
    public int Position { get; private set; }
    public OrderItemKind Kind { get; private set; }
    public string OfferId { get; private set; } = "";
    public string OfferName { get; private set; } = "";
    public string VendorId { get; private set; } = "";
    public string VendorName { get; private set; } = "";
    public Guid? SubscriptionId { get; private set; }

    /// <summary>The quantity asked for (new, increase, decrease); for other kinds the subscription's quantity.</summary>
    public int Quantity { get; private set; }

    /// <summary>The subscription's quantity when the item was made (increase/decrease).</summary>
    public int? PreviousQuantity { get; private set; }
    public BillingCycle BillingCycle { get; private set; }
    public int TermMonths { get; private set; }
    public bool? AutoRenew { get; private set; }
    public decimal? MarkupPercent { get; private set; }
    public decimal? PreviousMarkupPercent { get; private set; }
    public string? AdminEmail { get; private set; }
    public string? AdminFirstName { get; private set; }
    public string? AdminLastName { get; private set; }
    public string? TenantName { get; private set; }

    /// <summary>Price snapshot: the vendor's monthly cost and both markups when the item was made.</summary>
    public decimal MonthlyVendorCost { get; private set; }
    public decimal DistributorMarkupPercent { get; private set; }
    public decimal SellerMarkupPercent { get; private set; }
    public string Currency { get; private set; } = "EUR";

    /// <summary>The requested change as one line, e.g. "Increase licences: Microsoft 365 E3, 10 → 15".</summary>
    public string Description { get; private set; } = "";

    public List<OrderItemAddon> Addons { get; private set; } = [];

    public ItemProvisioningStatus ProvisioningStatus { get; private set; }
    public string? ErrorCode { get; private set; }
    public string? ErrorMessage { get; private set; }

    /// <summary>The vendor's reference (order or subscription id) once provisioned.</summary>
    public string? VendorReference { get; private set; }

    /// <summary>
    /// Counts the sends of this item to the vendor. A retry after a business rejection is a new
    /// purchase attempt (with corrected data) and gets a new key; transient retries reuse the key.
    /// </summary>
    public int ProvisioningAttempt { get; private set; }

    public bool IsMarkupChange => Kind == OrderItemKind.ChangeMarkup;

    /// <summary>A purchase, or the licences an increase adds, open a vendor's cancellation window (<see cref="Catalog.CancellationPolicy"/>); other changes none.</summary>
    public bool OpensCancellationWindow => Kind is OrderItemKind.NewSubscription or OrderItemKind.IncreaseQuantity;

    /// <summary>The error code of an item its vendor never answered for (as opposed to a rejection).</summary>
    public const string VendorUnavailableCode = "vendorUnavailable";

    /// <summary>
    /// A failed item that sending again as it is would not fix: the vendor refused it for a reason of its own
    /// (invalid admin e-mail, tenant taken, quantity above the limit, a closed window…), which needs a
    /// correction or another order. An item the vendor never answered (<see cref="VendorUnavailableCode"/>)
    /// needs none. An expression, so queries ask it in SQL (the bulk retry of Needs attention).
    /// </summary>
    public static readonly System.Linq.Expressions.Expression<Func<OrderItem, bool>> NeedsCorrection =
        i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed && i.ErrorCode != VendorUnavailableCode;

    public AdminContact? AdminContact => AdminEmail is null ? null : new(AdminEmail, AdminFirstName ?? "", AdminLastName ?? "");

    /// <summary>The key every vendor call for this attempt carries, so a repeated call never purchases twice.</summary>
    public string IdempotencyKey => $"{Id:N}-{ProvisioningAttempt}";

    internal void Apply(ItemSpec spec)
    {
        Kind = spec.Kind;
        OfferId = spec.Offer.Id;
        OfferName = spec.Offer.Name;
        VendorId = spec.Offer.VendorId;
        VendorName = spec.Offer.Vendor?.Name ?? spec.Offer.VendorId;
        SubscriptionId = spec.Subscription?.Id;
        PreviousQuantity = spec.Kind is OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity ? spec.Subscription?.Quantity : null;
        // A cancel takes back every licence the subscription has.
        Quantity = (spec.Kind == OrderItemKind.Cancel ? null : spec.Quantity) ?? spec.Subscription?.Quantity ?? 0;
        BillingCycle = spec.Subscription?.BillingCycle ?? spec.BillingCycle;
        TermMonths = spec.Subscription?.TermMonths ?? spec.Offer.TermMonths;
        AutoRenew = spec.Kind == OrderItemKind.ChangeAutoRenew ? spec.AutoRenew : null;
        MarkupPercent = spec.Kind == OrderItemKind.ChangeMarkup ? spec.MarkupPercent : null;
        PreviousMarkupPercent = spec.Kind == OrderItemKind.ChangeMarkup ? spec.Subscription?.MarkupPercent : null;
        AdminEmail = spec.AdminContact?.Email;
        AdminFirstName = spec.AdminContact?.FirstName;
        AdminLastName = spec.AdminContact?.LastName;
        TenantName = string.IsNullOrWhiteSpace(spec.TenantName) ? null : spec.TenantName.Trim();
        MonthlyVendorCost = spec.Offer.MonthlyVendorCost;
        DistributorMarkupPercent = spec.DistributorMarkupPercent;
        SellerMarkupPercent = spec.Kind == OrderItemKind.ChangeMarkup && spec.MarkupPercent is { } m ? m : spec.SellerMarkupPercent;
        Currency = spec.Offer.Currency;
        Addons = spec.Kind == OrderItemKind.NewSubscription
            ? spec.Addons.Select(a => new OrderItemAddon(a.Offer.Id, a.Offer.Name, a.Quantity, a.Offer.MonthlyVendorCost)).ToList()
            : [];
        Description = Describe();
    }

    private string Describe() => Kind switch
    {
        OrderItemKind.NewSubscription => $"New subscription: {OfferName} × {Quantity}",
        OrderItemKind.IncreaseQuantity => $"Increase licences: {OfferName}, {PreviousQuantity} → {Quantity}",
        OrderItemKind.DecreaseQuantity => $"Decrease licences: {OfferName}, {PreviousQuantity} → {Quantity}",
        OrderItemKind.Suspend => $"Suspend: {OfferName}",
        OrderItemKind.Reactivate => $"Reactivate: {OfferName}",
        OrderItemKind.ChangeAutoRenew => $"Auto-renewal {(AutoRenew == true ? "enabled" : "disabled")}: {OfferName}",
        OrderItemKind.ChangeMarkup => $"Markup change: {OfferName}, {Percent(PreviousMarkupPercent)} → {Percent(MarkupPercent)}",
        OrderItemKind.Cancel => $"Cancel subscription: {OfferName}",
        _ => OfferName,
    };

    private static string Percent(decimal? p) => Percentages.Format(p, absent: "?");

    /// <summary>
    /// The inputs of this item's amounts, whose rules live in <see cref="ItemPricing"/>: the item's own columns, given
    /// its add-ons' (<see cref="AddonPricingOf"/>). Expressions, so the detailed list reads them in SQL without the rest
    /// of the item, an add-on per row (<see cref="OrderQueries"/>); <see cref="Pricing"/> is the same expressions,
    /// compiled, for an item read whole.
    /// </summary>
    public static readonly System.Linq.Expressions.Expression<Func<OrderItem, IReadOnlyList<AddonPricing>, ItemPricing>> PricingWith =
        (i, addons) => new ItemPricing(i.Kind, i.Quantity, i.PreviousQuantity, i.BillingCycle, i.TermMonths, i.Currency,
            i.MonthlyVendorCost, i.DistributorMarkupPercent, i.SellerMarkupPercent, addons);

    /// <summary>The inputs of an add-on's amounts: <see cref="PricingWith"/>'s other half.</summary>
    public static readonly System.Linq.Expressions.Expression<Func<OrderItemAddon, AddonPricing>> AddonPricingOf =
        a => new AddonPricing(a.Quantity, a.MonthlyVendorCost);

    // Compiled as two delegates, not as one expression with the add-ons' Select inside: a lambda nested in a compiled
    // expression is made into a delegate (DynamicMethod.CreateDelegate) every time the outer one runs (docs/performance.md, point 42).
    private static readonly Func<OrderItem, IReadOnlyList<AddonPricing>, ItemPricing> CompiledPricingWith = PricingWith.Compile();
    private static readonly Func<OrderItemAddon, AddonPricing> CompiledAddonPricingOf = AddonPricingOf.Compile();

    /// <summary>What this item's amounts are computed from: <see cref="ItemPricing"/> has their rules.</summary>
    public ItemPricing Pricing => CompiledPricingWith(this, Addons.Count == 0 ? [] : Addons.Select(CompiledAddonPricingOf).ToList());

    internal void MarkSent()
    {
        ProvisioningStatus = ItemProvisioningStatus.ProvisioningStarted;
    }

    internal void RecordSuccess(string? vendorReference)
    {
        ProvisioningStatus = ItemProvisioningStatus.ProvisioningFinished;
        VendorReference = vendorReference;
        ErrorCode = null;
        ErrorMessage = null;
    }

    internal void RecordRejection(string code, string message)
    {
        ProvisioningStatus = ItemProvisioningStatus.ProvisioningFailed;
        ErrorCode = code;
        ErrorMessage = message;
    }

    /// <summary>Back to pending for another attempt, with corrected contact or tenant if given.</summary>
    internal void PrepareRetry(AdminContact? correctedContact, string? correctedTenant)
    {
        if (correctedContact is not null)
        {
            AdminEmail = correctedContact.Email;
            AdminFirstName = correctedContact.FirstName;
            AdminLastName = correctedContact.LastName;
        }
        if (!string.IsNullOrWhiteSpace(correctedTenant))
            TenantName = correctedTenant.Trim();
        ProvisioningStatus = ItemProvisioningStatus.Pending;
        // A rejected request bought nothing, so the corrected one is a new purchase with a new key.
        // An unanswered one may have been carried out: it must be asked again under the same key.
        if (ErrorCode != VendorUnavailableCode)
            ProvisioningAttempt++;
        ErrorCode = null;
        ErrorMessage = null;
    }

    /// <summary>Used when the subscription created by this item is known.</summary>
    internal void LinkSubscription(Guid subscriptionId) => SubscriptionId = subscriptionId;
}

using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;

namespace CloudMarket.Features.Catalog;

[JsonConverter(typeof(ApiEnumConverter<BillingCycle>))]
public enum BillingCycle { Monthly, Annual }

/// <summary>Which vendor API provisions a vendor's offers.</summary>
[JsonConverter(typeof(ApiEnumConverter<VendorApi>))]
public enum VendorApi { Microsoft, Generic }

public sealed class Vendor
{
    private Vendor() { }

    public Vendor(string id, string name, VendorApi api)
    {
        Id = id;
        Name = name;
        Api = api;
    }

    public string Id { get; private set; } = "";
    public string Name { get; private set; } = "";
    public VendorApi Api { get; private set; }

    /// <summary>Microsoft subscriptions live in a customer tenant named at purchase.</summary>
    public bool RequiresTenant => Api == VendorApi.Microsoft;
}

/// <summary>A purchasable SKU. Prices are the vendor's cost per unit and month.</summary>
public sealed class Offer
{
    private Offer() { }

    public Offer(string id, string vendorId, string name, decimal monthlyVendorCost, string currency,
        int minQuantity, int maxQuantity, int termMonths, bool supportsAnnual, bool canSuspend,
        IEnumerable<string>? addonFor = null, int? cancellationWindowHours = null)
    {
        Id = id;
        VendorId = vendorId;
        Name = name;
        MonthlyVendorCost = monthlyVendorCost;
        Currency = currency;
        MinQuantity = minQuantity;
        MaxQuantity = maxQuantity;
        TermMonths = termMonths;
        SupportsAnnualBilling = supportsAnnual;
        CanSuspend = canSuspend;
        AddonFor = addonFor?.ToList() ?? [];
        CancellationWindowHours = cancellationWindowHours;
    }

    public string Id { get; private set; } = "";
    public string VendorId { get; private set; } = "";
    public Vendor Vendor { get; private set; } = null!;
    public string Name { get; private set; } = "";
    public decimal MonthlyVendorCost { get; private set; }
    public string Currency { get; private set; } = "EUR";
    public int MinQuantity { get; private set; }
    public int MaxQuantity { get; private set; }
    public int TermMonths { get; private set; }
    public bool SupportsAnnualBilling { get; private set; }
    public bool CanSuspend { get; private set; }

    /// <summary>
    /// The vendor's cancellation policy: licences can be decreased only this many hours after the
    /// purchase or a renewal (Microsoft new commerce: 168); null when the vendor takes them back at
    /// any time. Applied by <see cref="CancellationPolicy"/>.
    /// </summary>
    public int? CancellationWindowHours { get; private set; }

    /// <summary>For an add-on: the offers it attaches to. Empty for a base offer.</summary>
    public List<string> AddonFor { get; private set; } = [];

    public bool IsAddon => AddonFor.Count > 0;

    public IReadOnlyList<BillingCycle> BillingCycles =>
        SupportsAnnualBilling ? [BillingCycle.Monthly, BillingCycle.Annual] : [BillingCycle.Monthly];
}

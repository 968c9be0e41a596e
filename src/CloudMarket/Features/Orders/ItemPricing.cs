using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>
/// What an order item's amounts are computed from: its kind and quantities, and the price snapshot taken when it was
/// made (the vendor's monthly cost, both markups, the currency), with its add-ons' quantities and costs. The one place
/// the rules of an item's amounts live: what it bills per period at the customer's price and the seller's cost, per
/// month, and per term.
/// <see cref="OrderItem.Pricing"/> gives it for an item read whole (the detail, placing, approval rules); the detailed
/// list reads it straight from the columns it needs (<see cref="OrderQueries"/>), without the rest of the item.
/// </summary>
public sealed record ItemPricing(
    OrderItemKind Kind,
    int Quantity,
    int? PreviousQuantity,
    BillingCycle BillingCycle,
    int TermMonths,
    string Currency,
    decimal MonthlyVendorCost,
    decimal DistributorMarkupPercent,
    decimal SellerMarkupPercent,
    IReadOnlyList<AddonPricing> Addons)
{
    /// <summary>Unit prices for one billing period at every tier, from the snapshot.</summary>
    public UnitPrices UnitPrices => Pricing.UnitPrices(MonthlyVendorCost, Currency, BillingCycle, DistributorMarkupPercent, SellerMarkupPercent);

    /// <summary>An add-on's unit prices for one billing period: its own cost, with the parent item's cycle and markups.</summary>
    public UnitPrices AddonUnitPrices(decimal addonMonthlyVendorCost) =>
        Pricing.UnitPrices(addonMonthlyVendorCost, Currency, BillingCycle, DistributorMarkupPercent, SellerMarkupPercent);

    /// <summary>
    /// How many licences this item changes what is billed by: the whole quantity for a new
    /// subscription, the difference for an increase or decrease, all of them (less) for a cancel,
    /// nothing for the other kinds.
    /// </summary>
    public int BilledQuantityChange => Kind switch
    {
        OrderItemKind.NewSubscription => Quantity,
        OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity => Quantity - (PreviousQuantity ?? 0),
        OrderItemKind.Cancel => -Quantity,
        _ => 0,
    };

    /// <summary>
    /// What this item changes on the bill per billing period, at the two tiers an order's amounts are in: the customer's
    /// price and the seller's cost. The quantity it bills, plus its add-ons (bought only with a new subscription). Both
    /// tiers in one pass, since every caller wants both or is one of several reads of them per item (a list's page).
    /// </summary>
    public PeriodAmounts PerPeriod
    {
        get
        {
            var unit = UnitPrices;
            var customer = unit.CustomerPrice.Times(BilledQuantityChange);
            var seller = unit.SellerPrice.Times(BilledQuantityChange);
            if (Kind == OrderItemKind.NewSubscription)
                foreach (var addon in Addons)
                {
                    var addonUnit = AddonUnitPrices(addon.MonthlyVendorCost);
                    customer += addonUnit.CustomerPrice.Times(addon.Quantity);
                    seller += addonUnit.SellerPrice.Times(addon.Quantity);
                }
            return new(customer, seller);
        }
    }

    /// <summary>
    /// What this item changes on the customer's bill per month (an annual period spread over its twelve months):
    /// the amount approval rules compare (workflow.md), from the same <see cref="PerPeriod"/> as the order's totals.
    /// </summary>
    public Money MonthlyAmount => PerPeriod.CustomerPrice.Times(1m / Pricing.MonthsIn(BillingCycle));

    /// <summary>How many billing periods the item's term holds: its term total is its period amount times this.</summary>
    public int PeriodsPerTerm => Pricing.PeriodsPerTerm(TermMonths, BillingCycle);
}

/// <summary>What an add-on's amounts are computed from: how many, and its vendor's monthly cost when the item was made.</summary>
public sealed record AddonPricing(int Quantity, decimal MonthlyVendorCost);

/// <summary>What an item changes on the bill per billing period: at the customer's price, and at the seller's cost.</summary>
public sealed record PeriodAmounts(Money CustomerPrice, Money SellerPrice);

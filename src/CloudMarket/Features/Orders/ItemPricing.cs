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
    public UnitPrices UnitPrices => UnitPricesAt(MonthlyVendorCost);

    /// <summary>
    /// Unit prices for one billing period of a vendor's monthly cost at this item's cycle and markups: the item's own
    /// (<see cref="UnitPrices"/>) and each of its add-ons'.
    /// </summary>
    public UnitPrices UnitPricesAt(decimal monthlyVendorCost) =>
        Pricing.UnitPrices(monthlyVendorCost, Currency, BillingCycle, DistributorMarkupPercent, SellerMarkupPercent);

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
    /// What this item changes on the bill: per billing period at the customer's price and at the seller's cost, and over
    /// its term at the customer's price. The quantity it bills, plus its add-ons (bought only with a new subscription).
    /// Worked out in one pass, since every caller wants more than one of them.
    /// </summary>
    public ItemAmounts Amounts
    {
        get
        {
            var unit = UnitPrices;
            var price = unit.CustomerPrice.Times(BilledQuantityChange);
            var cost = unit.SellerPrice.Times(BilledQuantityChange);
            if (Kind == OrderItemKind.NewSubscription)
                foreach (var addon in Addons)
                {
                    var addonUnit = UnitPricesAt(addon.MonthlyVendorCost);
                    price += addonUnit.CustomerPrice.Times(addon.Quantity);
                    cost += addonUnit.SellerPrice.Times(addon.Quantity);
                }
            return new(price, cost, price.Times(Pricing.PeriodsPerTerm(TermMonths, BillingCycle)));
        }
    }

    /// <summary>
    /// What this item changes on the customer's bill per month (an annual period spread over its twelve months):
    /// the amount approval rules compare (workflow.md), from the same <see cref="Amounts"/> as the order's totals.
    /// </summary>
    public Money MonthlyAmount => Amounts.PeriodPrice.Times(1m / Pricing.MonthsIn(BillingCycle));
}

/// <summary>What an add-on's amounts are computed from: how many, and its vendor's monthly cost when the item was made.</summary>
public sealed record AddonPricing(int Quantity, decimal MonthlyVendorCost);

/// <summary>
/// What an item changes on the bill: per billing period at the customer's price (<paramref name="PeriodPrice"/>) and at
/// the seller's cost (<paramref name="PeriodCost"/>), and over its whole term at the customer's price.
/// </summary>
public sealed record ItemAmounts(Money PeriodPrice, Money PeriodCost, Money TermPrice);

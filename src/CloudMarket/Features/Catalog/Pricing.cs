using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Catalog;

/// <summary>
/// One unit's price at every tier for one billing period:
/// vendor cost → distributor markup → seller price → seller markup → customer price.
/// Each tier is rounded once (2 decimals, midpoint away from zero) so every tier is a price someone is invoiced.
/// </summary>
public sealed record UnitPrices(
    Money VendorCost, decimal DistributorMarkupPercent, Money SellerPrice, decimal SellerMarkupPercent, Money CustomerPrice)
{
    /// <summary>What the seller earns per unit and period.</summary>
    public Money SellerMargin => CustomerPrice - SellerPrice;

    /// <summary>What the distributor earns per unit and period.</summary>
    public Money DistributorMargin => SellerPrice - VendorCost;
}

public static class Pricing
{
    public static int MonthsIn(BillingCycle cycle) => cycle == BillingCycle.Annual ? 12 : 1;

    /// <summary>The billing period of a cycle in words, for labels such as "Total per month" (pages and CSV).</summary>
    public static string PeriodName(BillingCycle cycle) => cycle == BillingCycle.Annual ? "year" : "month";

    public static UnitPrices UnitPrices(decimal monthlyVendorCost, string currency, BillingCycle cycle,
        decimal distributorMarkupPercent, decimal sellerMarkupPercent)
    {
        var vendorCost = new Money(Money.Round(monthlyVendorCost * MonthsIn(cycle)), currency);
        var sellerPrice = vendorCost.WithMarkup(distributorMarkupPercent);
        var customerPrice = sellerPrice.WithMarkup(sellerMarkupPercent);
        return new UnitPrices(vendorCost, distributorMarkupPercent, sellerPrice, sellerMarkupPercent, customerPrice);
    }

    public static UnitPrices UnitPrices(Offer offer, BillingCycle cycle, decimal distributorMarkupPercent, decimal sellerMarkupPercent) =>
        UnitPrices(offer.MonthlyVendorCost, offer.Currency, cycle, distributorMarkupPercent, sellerMarkupPercent);

    /// <summary>How many billing periods one term holds (a 12-month term billed monthly is 12 periods).</summary>
    public static int PeriodsPerTerm(int termMonths, BillingCycle cycle) => Math.Max(1, termMonths / MonthsIn(cycle));
}

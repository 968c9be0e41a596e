using CloudMarket.Features.Catalog;
using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Foundation;

public sealed class MoneyTests
{
    [Theory]
    [InlineData("1.005", "1.01")]
    [InlineData("1.004", "1.00")]
    [InlineData("2.345", "2.35")]
    [InlineData("-2.345", "-2.35")]
    [InlineData("0.125", "0.13")]
    [InlineData("10", "10.00")]
    public void Round_TwoDecimalsMidpointAwayFromZero(string input, string expected) =>
        Assert.Equal(decimal.Parse(expected), Money.Round(decimal.Parse(input)));

    [Fact]
    public void UnitPrices_RoundEachTierOnce()
    {
        // 2.15 × (1 + 8%) = 2.322 → 2.32; 2.32 × (1 + 15%) = 2.668 → 2.67
        var p = Pricing.UnitPrices(2.15m, "EUR", BillingCycle.Monthly, 8m, 15m);
        Assert.Equal(new Money(2.15m, "EUR"), p.VendorCost);
        Assert.Equal(new Money(2.32m, "EUR"), p.SellerPrice);
        Assert.Equal(new Money(2.67m, "EUR"), p.CustomerPrice);
        Assert.Equal(new Money(0.35m, "EUR"), p.SellerMargin);
        Assert.Equal(new Money(0.17m, "EUR"), p.DistributorMargin);
    }

    [Fact]
    public void UnitPrices_ForAnnualBilling_PriceTwelveMonths()
    {
        // 3.60 × 12 = 43.20; +10% = 47.52; +20% = 57.024 → 57.02
        var p = Pricing.UnitPrices(3.60m, "EUR", BillingCycle.Annual, 10m, 20m);
        Assert.Equal(43.20m, p.VendorCost.Amount);
        Assert.Equal(47.52m, p.SellerPrice.Amount);
        Assert.Equal(57.02m, p.CustomerPrice.Amount);
    }

    [Fact]
    public void UnitPrices_AtTheMidpoint_RoundAwayFromZero()
    {
        // Banker's rounding would give 0.12 and 1.00 here.
        var p = Pricing.UnitPrices(0.125m, "EUR", BillingCycle.Monthly, 0m, 0m);
        Assert.Equal(0.13m, p.VendorCost.Amount);
        var q = Pricing.UnitPrices(1.00m, "EUR", BillingCycle.Monthly, 0.5m, 0m);
        Assert.Equal(1.01m, q.SellerPrice.Amount); // 1.005 → 1.01, not 1.00
    }

    [Fact]
    public void Adding_DifferentCurrencies_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new Money(1, "EUR") + new Money(1, "USD"));

    [Theory]
    [InlineData(12, BillingCycle.Monthly, 12)]
    [InlineData(12, BillingCycle.Annual, 1)]
    [InlineData(1, BillingCycle.Monthly, 1)]
    public void PeriodsPerTerm_CountsBillingPeriodsInTheTerm(int termMonths, BillingCycle cycle, int expected) =>
        Assert.Equal(expected, Pricing.PeriodsPerTerm(termMonths, cycle));
}

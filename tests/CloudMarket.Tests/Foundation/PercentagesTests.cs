using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>One way to write a percentage: item descriptions, pages and summaries all read "12.5%".</summary>
public sealed class PercentagesTests
{
    [Theory]
    [InlineData("15", "15%")]
    [InlineData("12.50", "12.5%")]
    [InlineData("0.25", "0.25%")]
    [InlineData("0", "0%")]
    public void APercentage_HasUpToTwoDecimals_NoTrailingZeros_NoSpace(string percent, string expected) =>
        Assert.Equal(expected, Percentages.Format(decimal.Parse(percent, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void AnAbsentPercentage_ReadsAsTheGivenText() => Assert.Equal("?", Percentages.Format(null, absent: "?"));

    [Fact]
    public void ARate_ReadsAsAPercentage_ToOneDecimal() => Assert.Equal("12.3%", Percentages.OfRate(0.1234));
}

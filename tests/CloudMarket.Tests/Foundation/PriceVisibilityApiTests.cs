using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>Customer-level callers receive no cost, markup or margin field at all (product.md, api.md).</summary>
public abstract class PriceVisibilityApiTests(CloudMarketFactory app)
{
    private static readonly string[] CostFields = ["cost", "markupPercent", "margin", "vendorCost", "distributorMarkupPercent"];

    public static TheoryData<string> CustomerLevel => new(Demo.CustomerLevelUsers);
    public static TheoryData<string> SellerSide => new(Demo.SellerSideUsersOfFabrikam);

    private static Guid? OnBehalf(string email) => Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam;

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task Subscriptions_ForCustomerLevelUsers_HaveCustomerPriceAndNoCostFields(string email)
    {
        var client = await app.ClientAsync(email, OnBehalf(email));
        var detail = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        var prices = detail.GetProperty("priceDetails");
        Assert.Equal(37.95m, prices.GetProperty("customerPrice").GetProperty("amount").GetDecimal()); // 30.00 → +10% → 33.00 → +15% → 37.95
        AssertNoCostFields(prices);
        var list = await client.GetJsonAsync("/api/v1/subscriptions");
        Assert.All(list.GetProperty("items").EnumerateArray(), s => AssertNoCostFields(s.GetProperty("priceDetails")));
        var offers = await client.GetJsonAsync("/api/v1/catalog/offers");
        Assert.All(offers.GetProperty("items").EnumerateArray(), AssertNoCostFields);
    }

    [Theory]
    [MemberData(nameof(SellerSide))]
    public async Task Subscriptions_ForSellerAndDistributorUsers_ShowCostMarkupAndMargin(string email)
    {
        var client = await app.ClientAsync(email, OnBehalf(email));
        var prices = (await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}")).GetProperty("priceDetails");
        // E3 costs the vendor 30.00; Contoso pays +10% = 33.00; the subscription's markup 15% gives 37.95.
        Assert.Equal(33.00m, prices.GetProperty("cost").GetProperty("amount").GetDecimal());
        Assert.Equal(15m, prices.GetProperty("markupPercent").GetDecimal());
        Assert.Equal(37.95m, prices.GetProperty("customerPrice").GetProperty("amount").GetDecimal());
        Assert.Equal(4.95m, prices.GetProperty("margin").GetProperty("amount").GetDecimal());
        var isDistributor = email.EndsWith("@northwind.example");
        Assert.Equal(isDistributor, prices.TryGetProperty("vendorCost", out _));
        Assert.Equal(isDistributor, prices.TryGetProperty("distributorMarkupPercent", out _));
    }

    [Fact]
    public async Task Subscription_Detail_CarriesAdminContactAndMicrosoftTenant()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        var detail = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        Assert.Equal("fabrikam.onmicrosoft.com", detail.GetProperty("tenantName").GetString());
        Assert.Equal("it@fabrikam.example", detail.GetProperty("adminContact").GetProperty("email").GetString());
        Assert.Equal("Ida", detail.GetProperty("adminContact").GetProperty("firstName").GetString());
        Assert.Equal("Lund", detail.GetProperty("adminContact").GetProperty("lastName").GetString());
        Assert.Contains(detail.GetProperty("addons").EnumerateArray(), a => a.GetProperty("name").GetString() == "Microsoft Teams Audio Conferencing");
    }

    [Fact]
    public async Task Catalog_HasTenOffersOverThreeVendorsWithAddons()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var offers = (await client.GetJsonAsync("/api/v1/catalog/offers")).GetProperty("items").EnumerateArray().ToList();
        Assert.True(offers.Count >= 10);
        Assert.True(offers.Select(o => o.GetProperty("vendor").GetString()).Distinct().Count() >= 3);
        var teams = offers.Single(o => o.GetProperty("id").GetString() == DemoData.OfferIds.TeamsAudio);
        Assert.True(teams.GetProperty("isAddon").GetBoolean());
        Assert.Contains(DemoData.OfferIds.E3, teams.GetProperty("addonFor").Strings());
        var e3 = offers.Single(o => o.GetProperty("id").GetString() == DemoData.OfferIds.E3);
        Assert.Equal(["monthly", "annual"], e3.GetProperty("billingCycles").Strings());
        // 30.00 → +10% distributor = 33.00 → +20% Contoso default markup = 39.60
        Assert.Equal(39.60m, e3.GetProperty("price").GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", e3.GetProperty("price").GetProperty("currency").GetString());
    }

    private static void AssertNoCostFields(JsonElement element)
    {
        foreach (var field in CostFields)
            Assert.False(element.TryGetProperty(field, out _), $"'{field}' must not be sent to a customer-level user: {element}");
    }
}

public sealed class PriceVisibilityApiTestsOnSqlite(SqliteFactory app) : PriceVisibilityApiTests(app), IClassFixture<SqliteFactory>;
public sealed class PriceVisibilityApiTestsOnPostgres(PostgresFactory app) : PriceVisibilityApiTests(app), IClassFixture<PostgresFactory>;

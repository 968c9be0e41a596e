using System.Globalization;
using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Totals per billing cycle (issue 10 §6.3): a monthly and an annual amount are never added up. The
/// detail, the detailed list, the CSV and the cart page give one total per cycle; item prices are
/// named "price" (what the customer pays), never "cost" (the seller's cost).
/// </summary>
public abstract class OrderTotalsApiTests(CloudMarketFactory app)
{
    private static decimal Amount(JsonElement money) => money.GetProperty("amount").GetDecimal();

    private static string Csv(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Ida's cart of monthly E3 and Acronis licences and annual Exchange licences.</summary>
    private async Task<(HttpClient Ida, JsonElement Order)> MixedCycleCartAsync()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var order = await ida.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 12), Increase(DemoData.SubscriptionIds.FabrikamExchange, 7), NewAcronis(3));
        return (ida, order);
    }

    [Fact]
    public async Task TheDetail_HasOneTotalPerBillingCycle_EachTheSumOfItsOwnItems()
    {
        var (_, order) = await MixedCycleCartAsync();
        var items = order.Items();
        var totals = order.GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(["monthly", "annual"], totals.Select(t => t.GetProperty("billingCycle").GetString()));
        foreach (var total in totals)
        {
            var cycle = total.GetProperty("billingCycle").GetString();
            var own = items.Where(i => i.GetProperty("billingCycle").GetString() == cycle).ToList();
            Assert.NotEmpty(own);
            Assert.Equal(own.Sum(i => Amount(i.GetProperty("prices").GetProperty("periodPrice"))), Amount(total.GetProperty("periodTotal")));
            Assert.Equal(own.Sum(i => Amount(i.GetProperty("prices").GetProperty("termPrice"))), Amount(total.GetProperty("termTotal")));
        }
        // The prices themselves: + 2 E3 at 37.95 a month, + 3 Acronis at 8.26 a month; + 2 Exchange at 57.02 a year.
        var exchange = items.Single(i => i.GetProperty("offerName").GetString() == "Exchange Online (Plan 1)").GetProperty("prices");
        Assert.Equal(Amount(exchange.GetProperty("unitPrice")) * (7 - items.Single(i => i.GetProperty("offerName").GetString() == "Exchange Online (Plan 1)").GetProperty("previousQuantity").GetInt32()),
            Amount(exchange.GetProperty("periodPrice")));
        Assert.Equal(57.02m, Amount(exchange.GetProperty("unitPrice")));
        Assert.Equal(2 * 37.95m + 3 * 8.26m, Amount(totals[0].GetProperty("periodTotal")));
        Assert.Equal(2 * 57.02m, Amount(totals[1].GetProperty("periodTotal")));
    }

    [Fact]
    public async Task TheDetailedList_AndTheCsv_HaveTheSameTotalsPerCycle()
    {
        var (ida, order) = await MixedCycleCartAsync();
        var totals = order.GetProperty("totals");
        var row = (await ida.AllPagesAsync("view=historical&state=all")).Single(r => r.Id() == order.Id());
        Assert.Equal(totals.GetRawText(), row.GetProperty("details").GetProperty("totals").GetRawText());
        Assert.All(row.GetProperty("details").GetProperty("items").EnumerateArray(), i => Assert.False(i.TryGetProperty("cost", out _)));

        var csv = (await (await ida.GetAsync($"{OrdersUrl}/export")).Content.ReadAsStringAsync()).Split('\n');
        var header = CsvCells(csv[0]);
        var line = CsvCells(csv.Single(l => l.StartsWith(order.Id() + ",")));
        Assert.Equal(header.Length, line.Length);
        Assert.Equal(Csv(Amount(totals[0].GetProperty("periodTotal"))), line[Array.IndexOf(header, "Total per month")]);
        Assert.Equal(Csv(Amount(totals[1].GetProperty("periodTotal"))), line[Array.IndexOf(header, "Total per year")]);
        Assert.Equal("EUR", line[Array.IndexOf(header, "Currency")]);
        Assert.DoesNotContain(header, h => h.Contains("period", StringComparison.OrdinalIgnoreCase));

        // An order of monthly items only leaves the annual column empty, not 0.00.
        var monthlyOnly = await ida.CreateCartIdAsync(NewAcronis(2));
        var monthlyLine = CsvCells((await (await ida.GetAsync($"{OrdersUrl}/export")).Content.ReadAsStringAsync()).Split('\n')
            .Single(l => l.StartsWith(monthlyOnly + ",")));
        Assert.Equal("16.52", monthlyLine[Array.IndexOf(header, "Total per month")]);
        Assert.Equal("", monthlyLine[Array.IndexOf(header, "Total per year")]);
    }

    [Fact]
    public async Task TheDetailedList_PricesEachItemWithItsAddons_AsTheDetailDoes()
    {
        // The detailed list reads an item once per add-on (OrderQueries): an item with two add-ons, one with one, one with
        // none, for the seller admin, whose totals also carry the cost and the margin.
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.CreateCartAsync(
            NewSubscription(DemoData.OfferIds.BusinessStandard, 4, "fabrikamsales.onmicrosoft.com",
                addons: [new { offerId = DemoData.OfferIds.TeamsAudio, quantity = 3 }, new { offerId = DemoData.OfferIds.DefenderP1, quantity = 2 }]),
            NewSubscription(DemoData.OfferIds.AcronisProtect, 2, addons: [new { offerId = DemoData.OfferIds.AcronisStorage, quantity = 1 }]),
            NewAcronis(3));
        var items = order.Items();
        Assert.Equal([2, 1, 0], items.Select(i => i.GetProperty("addons").GetArrayLength()));
        var withTwo = items[0].GetProperty("prices");
        Assert.True(Amount(withTwo.GetProperty("periodPrice")) > 4 * Amount(withTwo.GetProperty("unitPrice")), "the add-ons are in the item's price");

        var row = (await anna.AllPagesAsync("view=historical&state=all")).Single(r => r.Id() == order.Id());
        var details = row.GetProperty("details");
        Assert.Equal(items.Select(i => i.GetProperty("description").GetString()), details.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("description").GetString()));
        Assert.Equal(items.Select(i => Amount(i.GetProperty("prices").GetProperty("periodPrice"))),
            details.GetProperty("items").EnumerateArray().Select(i => Amount(i.GetProperty("periodPrice"))));
        Assert.Equal(order.GetProperty("totals").GetRawText(), details.GetProperty("totals").GetRawText());
        Assert.True(Assert.Single(details.GetProperty("totals").EnumerateArray()).TryGetProperty("periodCost", out _));
    }

    [Fact]
    public async Task TheCartPage_ShowsATotalPerMonthAndATotalPerYear_NeverTheirSum()
    {
        var (_, order) = await MixedCycleCartAsync();
        var totals = order.GetProperty("totals").EnumerateArray().ToList();
        var page = await (await app.PageClientAsync(Demo.FabrikamAdmin)).GetStringAsync($"/cart?order={order.Id()}");
        Assert.Contains($"Total per month</dt><dd class=\"col-6 fw-semibold\" data-testid=\"total-monthly\">{Csv(Amount(totals[0].GetProperty("periodTotal")))} EUR", page);
        Assert.Contains($"Total per year</dt><dd class=\"col-6 fw-semibold\" data-testid=\"total-annual\">{Csv(Amount(totals[1].GetProperty("periodTotal")))} EUR", page);
        Assert.DoesNotContain("per period", page, StringComparison.OrdinalIgnoreCase);
        var sum = Csv(Amount(totals[0].GetProperty("periodTotal")) + Amount(totals[1].GetProperty("periodTotal")));
        Assert.DoesNotContain($"{sum} EUR", page);
    }
}

public sealed class OrderTotalsApiTestsOnSqlite(SqliteFactory app) : OrderTotalsApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderTotalsApiTestsOnPostgres(PostgresFactory app) : OrderTotalsApiTests(app), IClassFixture<PostgresFactory>;

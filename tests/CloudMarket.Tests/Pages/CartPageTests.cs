using System.Net;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;

namespace CloudMarket.Tests.Pages;

/// <summary>The cart page over plain HTTP with cookies, as a browser asks for it.</summary>
public sealed class CartPageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    [Theory]
    [InlineData("tailspin")]
    [InlineData("999999")]
    [InlineData("abc")]
    [InlineData("-1")]
    public async Task TheCartOfAnOrderNotInView_IsTheNotFoundPageInTheLayout(string which)
    {
        var order = which == "tailspin" ? (await app.DemoOrderAsync(Demo.Tailspin, OrderStatus.Completed)).ToString() : which;
        var browser = await app.BrowserAsync(Demo.FabrikamAdmin);

        var response = await browser.GetAsync($"/cart?order={order}");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("data-testid=\"status-title\">Not found<", html);
        Assert.Contains("data-testid=\"signed-in-as\"", html);
        Assert.DoesNotContain("Tailspin", html);
        Assert.DoesNotContain("data-testid=\"place-form\"", html);
    }

    [Fact]
    public async Task TheCartOfAnOwnOrder_AndAnOddAddedFlag_AreShown()
    {
        var own = await (await app.ClientAsync(Demo.FabrikamAdmin)).CreateCartIdAsync(OrderKit.NewAcronis(2));
        var browser = await app.BrowserAsync(Demo.FabrikamAdmin);

        var html = await browser.PageAsync($"/cart?order={own}&added=yes");

        Assert.Contains($"data-testid=\"cart-order-id\">{own}<", html);
    }
}

using System.Net;
using System.Text.RegularExpressions;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMarket.Tests.Pages;

/// <summary>The cart page over plain HTTP with cookies, as a browser asks for it.</summary>
public sealed partial class CartPageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    private HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static async Task SignInAsync(HttpClient browser, string email)
    {
        var token = AntiforgeryField().Match(await browser.GetStringAsync("/signin")).Groups[1].Value;
        var response = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["password"] = CloudMarketFactory.DemoPassword, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Theory]
    [InlineData("tailspin")]
    [InlineData("999999")]
    [InlineData("abc")]
    [InlineData("-1")]
    public async Task ACartAddressOfAnOrderNotInView_AnswersTheNotFoundPageInTheLayout(string which)
    {
        var order = which == "tailspin" ? (await app.DemoOrderAsync(Demo.Tailspin, OrderStatus.Completed)).ToString() : which;
        var browser = Browser();
        await SignInAsync(browser, Demo.FabrikamAdmin);

        var response = await browser.GetAsync($"/cart?order={order}");

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("data-testid=\"status-title\">Not found<", html);
        Assert.Contains("data-testid=\"signed-in-as\"", html);
        Assert.DoesNotContain("Tailspin", html);
    }
}

using System.Net;
using System.Text.RegularExpressions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The page side of Customer View over plain HTTP with cookies and antiforgery tokens, as a browser
/// does it (the Playwright suite walks the same pages in Chromium).
/// </summary>
public sealed partial class CustomerViewPageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    private HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static async Task<string> TokenFrom(HttpClient browser, string page) =>
        AntiforgeryField().Match(await browser.GetStringAsync(page)).Groups[1].Value;

    private static async Task<HttpResponseMessage> PostForm(HttpClient browser, string page, string action, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await TokenFrom(browser, page);
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    private static async Task SignIn(HttpClient browser, string email, string password = CloudMarketFactory.DemoPassword)
    {
        var response = await PostForm(browser, "/signin", "/signin", new() { ["email"] = email, ["password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SellerAdmin_SelectsFabrikam_AndSeesItsSubscriptionsUnderTheCustomerViewBanner()
    {
        var browser = Browser();
        await SignIn(browser, Demo.SellerAdmin);
        var organizations = await browser.GetStringAsync("/select-organization");
        Assert.Contains("Fabrikam Ltd", organizations);
        Assert.DoesNotContain("Adatum Corp", organizations);

        var enter = await PostForm(browser, "/select-organization", "/customer-view", new() { ["customerId"] = Demo.Fabrikam.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);

        var subscriptions = await browser.GetStringAsync("/subscriptions");
        Assert.Contains("Customer View: <strong>Fabrikam Ltd</strong>", subscriptions);
        Assert.Contains("Back to organizations", subscriptions);
        Assert.Contains("Microsoft 365 E3", subscriptions);
        Assert.Contains(">Margin<", subscriptions);
    }

    [Fact]
    public async Task SellerAdmin_CannotEnterAnotherSellersCustomer()
    {
        var browser = Browser();
        await SignIn(browser, Demo.SellerAdmin);
        var enter = await PostForm(browser, "/select-organization", "/customer-view", new() { ["customerId"] = Demo.Adatum.ToString() });
        Assert.Equal(HttpStatusCode.NotFound, enter.StatusCode);
    }

    [Fact]
    public async Task CustomerAdmin_SeesOwnSubscriptionsWithoutCostOrMarkup()
    {
        var browser = Browser();
        await SignIn(browser, Demo.FabrikamAdmin);
        var subscriptions = await browser.GetStringAsync("/subscriptions");
        Assert.Contains("Customer View: <strong>Fabrikam Ltd</strong>", subscriptions);
        Assert.Contains("Customer price", subscriptions);
        Assert.DoesNotContain("Markup", subscriptions);
        Assert.DoesNotContain("Margin", subscriptions);
        Assert.DoesNotContain(">Cost<", subscriptions);
        var detail = await browser.GetStringAsync($"/subscriptions/{CloudMarket.Data.DemoData.SubscriptionIds.FabrikamE3}");
        Assert.Contains("fabrikam.onmicrosoft.com", detail);
        Assert.Contains("it@fabrikam.example", detail);
        Assert.DoesNotContain("Markup", detail);
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsThePageAgainWithTheErrorAndTheEmailInTheFormNotTheUrl()
    {
        var browser = Browser();
        var response = await PostForm(browser, "/signin", "/signin", new() { ["email"] = Demo.TailspinAdmin, ["password"] = "wrong-password" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"signin-error\"", page);
        Assert.Contains("locked for 5 minutes", page);
        Assert.Contains($"value=\"{Demo.TailspinAdmin}\"", page);
        // The page rendered again can be posted again: it carries a fresh antiforgery token.
        Assert.Matches(AntiforgeryField(), page);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefused()
    {
        var response = await Browser().PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = Demo.SellerAdmin, ["password"] = CloudMarketFactory.DemoPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Pages_WithoutSignIn_RedirectToSignIn()
    {
        var response = await Browser().GetAsync("/subscriptions");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", response.Headers.Location?.AbsolutePath ?? response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AuthCookie_IsHttpOnlyAndSameSiteStrict()
    {
        var browser = Browser();
        var response = await PostForm(browser, "/signin", "/signin", new() { ["email"] = Demo.AccountManager, ["password"] = CloudMarketFactory.DemoPassword });
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cloudmarket.auth="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnUnknownPage_AnswersA404PageInTheLayout_WhileTheApiAnswersProblemJson()
    {
        var browser = Browser();
        await SignIn(browser, Demo.SellerAdmin);
        var page = await browser.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"status-title\">Not found<", html);
        Assert.Contains("data-testid=\"signed-in-as\"", html);

        var anonymous = Browser();
        var unknownToAnyone = await anonymous.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, unknownToAnyone.StatusCode);
        Assert.Contains(">Not found<", await unknownToAnyone.Content.ReadAsStringAsync());

        var api = await app.ClientAsync(Demo.SellerAdmin);
        var problem = await api.GetAsync("/api/v1/no-such-endpoint");
        Assert.Equal(HttpStatusCode.NotFound, problem.StatusCode);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);

        // A form posted to an unknown address: a plain 404, not a page endpoint's antiforgery 400.
        var post = await browser.PostAsync("/no-such-page", new FormUrlEncodedContent(new Dictionary<string, string> { ["a"] = "b" }));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }
}

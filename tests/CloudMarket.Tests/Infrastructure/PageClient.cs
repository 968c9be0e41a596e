using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>The pages over plain HTTP, as a browser asks for them: a cookie jar, sign-in and Customer View by their forms.</summary>
public static partial class PageClient
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A browser-like client signed in as <paramref name="email"/>, in the Customer View of <paramref name="customer"/> when given.</summary>
    public static async Task<HttpClient> BrowserAsync(this CloudMarketFactory app, string email, Guid? customer = null)
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signIn = await PostFormAsync(browser, "/signin", "/signin", new() { ["email"] = email, ["password"] = CloudMarketFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        if (customer is { } id)
        {
            var enter = await PostFormAsync(browser, "/select-organization", "/customer-view", new() { ["customerId"] = id.ToString() });
            Assert.Equal(HttpStatusCode.Redirect, enter.StatusCode);
        }
        return browser;
    }

    /// <summary>Posts a form the way the page would, with the antiforgery token the page rendered.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string page, string action, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryField().Match(await browser.GetStringAsync(page)).Groups[1].Value;
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    /// <summary>A page's HTML, asserting its status.</summary>
    public static async Task<string> PageAsync(this HttpClient browser, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await browser.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {url}: expected {(int)expected} but got {(int)response.StatusCode}");
        return html;
    }
}

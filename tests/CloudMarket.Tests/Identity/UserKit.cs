using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMarket.Tests.Identity;

/// <summary>
/// Users of a test's own, so that changing a password, a role or access never touches the demo
/// users whose tokens the factory caches for other tests.
/// </summary>
public static partial class UserKit
{
    public sealed record NewUser(Guid Id, string Email, string Password);

    public sealed record Tokens(string AccessToken, string RefreshToken);

    /// <summary>
    /// Adds a user through the API as <paramref name="admin"/> (a demo admin) and answers its initial
    /// password. <paramref name="freshAdminToken"/> signs the admin in anew instead of using the
    /// factory's cached token (which a test that moves the clock may have outlived).
    /// </summary>
    public static async Task<NewUser> CreateUserAsync(CloudMarketFactory app, string admin, string role, string firstName = "Test", string lastName = "User",
        bool freshAdminToken = false)
    {
        var client = freshAdminToken
            ? Bearer(app, (await SignInAsync(app, admin, CloudMarketFactory.DemoPassword)).AccessToken)
            : await app.ClientAsync(admin);
        var email = $"user-{Guid.NewGuid():N}@{admin.Split('@')[1]}";
        var user = await client.PostJsonAsync("/api/v1/users", new { email, firstName, lastName, role }, HttpStatusCode.Created);
        return new NewUser(user.GetProperty("id").GetGuid(), email, user.GetProperty("initialPassword").GetString()!);
    }

    public static async Task<HttpResponseMessage> RequestTokenAsync(CloudMarketFactory app, string email, string password) =>
        await app.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email, password });

    public static async Task<Tokens> SignInAsync(CloudMarketFactory app, string email, string password)
    {
        var token = await (await RequestTokenAsync(app, email, password)).JsonAsync(HttpStatusCode.OK);
        return new Tokens(token.GetProperty("accessToken").GetString()!, token.GetProperty("refreshToken").GetString()!);
    }

    public static async Task<HttpResponseMessage> RefreshAsync(CloudMarketFactory app, string refreshToken) =>
        await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken });

    public static HttpClient Bearer(CloudMarketFactory app, string accessToken, Guid? onBehalfOf = null)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (onBehalfOf is { } customer)
            client.DefaultRequestHeaders.Add("X-On-Behalf-Of", customer.ToString());
        return client;
    }

    /// <summary>The status of GET /me with this token: 200 while the session lives, 401 after.</summary>
    public static async Task<HttpStatusCode> MeStatusAsync(CloudMarketFactory app, string accessToken) =>
        (await Bearer(app, accessToken).GetAsync("/api/v1/me")).StatusCode;

    public static async Task<JsonElement> ChangesAsync(CloudMarketFactory app, string admin, Guid userId) =>
        (await (await app.ClientAsync(admin)).GetJsonAsync($"/api/v1/users/{userId}")).GetProperty("changes");

    // ---- the pages, over plain HTTP with cookies and antiforgery tokens, as a browser does it ----

    public static HttpClient Browser(CloudMarketFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>Posts a form of <paramref name="page"/> with the antiforgery token that page renders.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string page, string action, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryField().Match(await browser.GetStringAsync(page)).Groups[1].Value;
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    public static async Task PageSignInAsync(HttpClient browser, string email, string password)
    {
        var response = await PostFormAsync(browser, "/signin", "/signin", new() { ["email"] = email, ["password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    /// <summary>True when a page request is answered as for a signed-in user, false when it is sent to sign in.</summary>
    public static async Task<bool> PageSignedInAsync(HttpClient browser, string page = "/subscriptions")
    {
        var response = await browser.GetAsync(page);
        if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/signin") == true)
            return false;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return true;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CloudMarket.Tests.Security;

/// <summary>A password hasher that remembers every password it was asked to verify.</summary>
public sealed class CountingPasswordHasher : IPasswordHasher<AppUser>
{
    private readonly PasswordHasher<AppUser> _inner = new();
    private readonly ConcurrentQueue<string> _verified = new();

    public int VerificationsOf(string password) => _verified.Count(p => p == password);

    public string HashPassword(AppUser user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
    {
        _verified.Enqueue(providedPassword);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}

/// <summary>The settings and services of the sign-in protection suites: small figures, a clock the test moves, a counting hasher.</summary>
public interface ISignInTestApp
{
    FakeTimeProvider Clock { get; }
    CountingPasswordHasher Hasher { get; }

    public const int PerAddress = 3;
    public const int AccountLockout = 5;
    public const int WindowMinutes = 15;

    public static IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:FailedSignInsPerAddress"] = PerAddress.ToString(),
        ["Security:MaxFailedSignIns"] = AccountLockout.ToString(),
        ["Security:FailedSignInWindowMinutes"] = WindowMinutes.ToString(),
    };

    public static void Replace(IWebHostBuilder builder, ISignInTestApp app) => builder.ConfigureServices(services =>
    {
        services.AddSingleton<TimeProvider>(app.Clock);
        services.AddSingleton<IPasswordHasher<AppUser>>(app.Hasher);
    });
}

public sealed class SignInSqliteFactory : SqliteFactory, ISignInTestApp
{
    public new FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public CountingPasswordHasher Hasher { get; } = new();
    protected override IDictionary<string, string?> Settings => ISignInTestApp.Settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        ISignInTestApp.Replace(builder, this);
    }
}

public sealed class SignInPostgresFactory : PostgresFactory, ISignInTestApp
{
    public new FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public CountingPasswordHasher Hasher { get; } = new();
    protected override IDictionary<string, string?> Settings => ISignInTestApp.Settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        ISignInTestApp.Replace(builder, this);
    }
}

/// <summary>
/// quality.md, Security, and issue 10 section 3: no user enumeration by the cost of an answer, failed
/// sign-ins throttled per client address before an account locks, the e-mail kept out of URLs, local
/// return URLs only, antiforgery on every page post. Each test signs in from an address of its own
/// (X-Forwarded-For through the trusted in-memory proxy) so their counts do not mix.
/// </summary>
public abstract partial class SignInProtectionApiTests(CloudMarketFactory app, ISignInTestApp test)
{
    private static int _nextAddress;
    private static string NewAddress() => $"198.51.100.{Interlocked.Increment(ref _nextAddress)}";

    private HttpClient From(string address)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string email, string password) =>
        client.PostAsJsonAsync("/api/v1/auth/token", new { email, password });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static async Task<HttpResponseMessage> PostSignInPageAsync(HttpClient browser, string email, string password, string? returnUrl = null)
    {
        var token = AntiforgeryField().Match(await browser.GetStringAsync("/signin")).Groups[1].Value;
        var fields = new Dictionary<string, string> { ["email"] = email, ["password"] = password, ["__RequestVerificationToken"] = token };
        if (returnUrl is not null)
            fields["returnUrl"] = returnUrl;
        return await browser.PostAsync("/signin", new FormUrlEncodedContent(fields));
    }

    private Task<DateTimeOffset?> LockoutEndOf(string email) =>
        app.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.LockoutEnd).SingleAsync());

    private static string Unique(string what) => $"{what}-{Guid.NewGuid():N}";

    [Fact]
    public async Task UnknownEmail_CostsOnePasswordVerification_JustLikeAKnownEmailWithAWrongPassword()
    {
        var client = From(NewAddress());
        var unknownGuess = Unique("guess");
        var wrongGuess = Unique("guess");

        var unknown = await (await TokenAsync(client, "nobody@nowhere.example", unknownGuess)).JsonAsync(HttpStatusCode.Unauthorized);
        var known = await (await TokenAsync(client, Demo.SupportAgent, wrongGuess)).JsonAsync(HttpStatusCode.Unauthorized);

        // The hash work is what takes the time of a sign-in: both answers did it once.
        Assert.Equal(1, test.Hasher.VerificationsOf(unknownGuess));
        Assert.Equal(1, test.Hasher.VerificationsOf(wrongGuess));
        Assert.Equal(known.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());

        // The page goes through the same check.
        var pageGuess = Unique("guess");
        Assert.Equal(HttpStatusCode.OK, (await PostSignInPageAsync(From(NewAddress()), "nobody@nowhere.example", pageGuess)).StatusCode);
        Assert.Equal(1, test.Hasher.VerificationsOf(pageGuess));
    }

    [Fact]
    public async Task LockedAccount_AlsoCostsOnePasswordVerification_AndTheAnswerSaysHowLongALockoutLasts()
    {
        // Lock Adatum's admin from two addresses (each stays under its own throttle).
        for (var i = 0; i < ISignInTestApp.AccountLockout; i++)
            await (await TokenAsync(From(i < 3 ? "203.0.113.10" : "203.0.113.11"), Demo.AdatumAdmin, "wrong-password")).JsonAsync(HttpStatusCode.Unauthorized);
        Assert.True(await LockoutEndOf(Demo.AdatumAdmin) > DateTimeOffset.UtcNow);

        var guess = Unique("guess");
        var locked = await (await TokenAsync(From(NewAddress()), Demo.AdatumAdmin, guess)).JsonAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(1, test.Hasher.VerificationsOf(guess));
        Assert.Contains("locked for 5 minutes", locked.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task FailedSignInsFromOneAddress_AreRefusedWith429_BeforeTheAccountLocks_WhileOtherAddressesSignIn()
    {
        var attacker = From(NewAddress());
        for (var i = 0; i < ISignInTestApp.PerAddress; i++)
            await (await TokenAsync(attacker, Demo.DistributorAdmin, "wrong-password")).JsonAsync(HttpStatusCode.Unauthorized);

        // Even the right password: the address is refused, and nothing is tried against the account.
        var guess = Unique("right-or-not");
        var refused = await TokenAsync(attacker, Demo.DistributorAdmin, guess);
        var problem = await refused.JsonAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(0, test.Hasher.VerificationsOf(guess));
        Assert.Equal(TimeSpan.FromMinutes(ISignInTestApp.WindowMinutes), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Try again in 15 minutes", problem.GetProperty("detail").GetString());

        // The admin, elsewhere, is not locked out: the attacker's address stopped below the account's threshold.
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(From(NewAddress()), Demo.DistributorAdmin, CloudMarketFactory.DemoPassword)).StatusCode);
        Assert.Null(await LockoutEndOf(Demo.DistributorAdmin));
    }

    [Fact]
    public async Task AThrottledAddress_MayTryAgain_WhenItsWindowEnds()
    {
        var address = NewAddress();
        for (var i = 0; i < ISignInTestApp.PerAddress; i++)
            await TokenAsync(From(address), Demo.SubscriptionsManager, "wrong-password");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TokenAsync(From(address), Demo.SubscriptionsManager, CloudMarketFactory.DemoPassword)).StatusCode);

        test.Clock.Advance(TimeSpan.FromMinutes(ISignInTestApp.WindowMinutes - 1));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TokenAsync(From(address), Demo.SubscriptionsManager, CloudMarketFactory.DemoPassword)).StatusCode);
        test.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(From(address), Demo.SubscriptionsManager, CloudMarketFactory.DemoPassword)).StatusCode);
    }

    [Fact]
    public async Task SignInPage_FromAThrottledAddress_Answers429_AndSaysHowLongToWait_WithoutTheEmailInAnyUrl()
    {
        var browser = From(NewAddress());
        for (var i = 0; i < ISignInTestApp.PerAddress; i++)
        {
            var failed = await PostSignInPageAsync(browser, Demo.FabrikamBilling, "wrong-password");
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
            Assert.Null(failed.Headers.Location);
            Assert.Contains("locked for 5 minutes", await failed.Content.ReadAsStringAsync());
        }
        var refused = await PostSignInPageAsync(browser, Demo.FabrikamBilling, CloudMarketFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed sign-ins from your network address. Try again in 15 minutes.", page);
        Assert.Contains($"value=\"{Demo.FabrikamBilling}\"", page);
        Assert.DoesNotContain("cloudmarket.auth=", string.Join(";", refused.Headers.TryGetValues("Set-Cookie", out var c) ? c : []));
    }

    public static TheoryData<string, string> ReturnUrls => new()
    {
        { "/\t/evil.example", "/" },
        { "//evil.example", "/" },
        { "/\\evil.example", "/" },
        { "/\\\\evil.example", "/" },
        { "https://evil.example/", "/" },
        { "javascript:alert(1)", "/" },
        { "/orders\r\nSet-Cookie: x=1", "/" },
        { "", "/" },
        { "/orders?view=historical&state=all", "/orders?view=historical&state=all" },
        { "/", "/" },
    };

    [Theory]
    [MemberData(nameof(ReturnUrls))]
    public async Task SignIn_WithAnyReturnUrl_RedirectsToAPageOfThisSite(string returnUrl, string expected)
    {
        var response = await PostSignInPageAsync(From(NewAddress()), Demo.AccountManager, CloudMarketFactory.DemoPassword, returnUrl);
        Assert.True(HttpStatusCode.Redirect == response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignIn_WithANulInTheReturnUrl_IsAnInvalidForm_NeverA500()
    {
        // ASP.NET Core refuses a form value with a NUL before the endpoint runs.
        var response = await PostSignInPageAsync(From(NewAddress()), Demo.AccountManager, CloudMarketFactory.DemoPassword, "/\u0000/evil.example");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task SignInPage_WithTheDemoOn_ShowsTheDemoSignIn()
    {
        var page = await app.CreateClient().GetStringAsync("/signin");
        Assert.Contains("data-testid=\"demo-hint\"", page);
        Assert.Contains(CloudMarketFactory.DemoPassword, page);
    }

    // ---- Antiforgery on every form post: without the token, 400 and nothing changes. ----

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var browser = From(NewAddress());
        Assert.Equal(HttpStatusCode.Redirect, (await PostSignInPageAsync(browser, email, CloudMarketFactory.DemoPassword)).StatusCode);
        return browser;
    }

    private static Task<HttpResponseMessage> PostWithoutTokenAsync(HttpClient browser, string path, Dictionary<string, string>? fields = null) =>
        browser.PostAsync(path, new FormUrlEncodedContent(fields ?? []));

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_Is400_AndSignsNobodyIn()
    {
        var browser = From(NewAddress());
        var response = await PostWithoutTokenAsync(browser, "/signin", new() { ["email"] = Demo.SellerAdmin, ["password"] = CloudMarketFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("cloudmarket.auth=")));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/select-organization")).StatusCode);
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_Is400_AndTheUserStaysSignedIn()
    {
        var browser = await SignedInAsync(Demo.SellerAdmin);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostWithoutTokenAsync(browser, "/signout")).StatusCode);
        var page = await browser.GetAsync("/select-organization");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-testid=\"signed-in-as\"", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EnteringAndLeavingCustomerView_WithoutAntiforgeryToken_Are400_AndTheViewStaysAsItWas()
    {
        var browser = await SignedInAsync(Demo.SellerAdmin);
        var enter = await PostWithoutTokenAsync(browser, "/customer-view", new() { ["customerId"] = Demo.Fabrikam.ToString() });
        Assert.Equal(HttpStatusCode.BadRequest, enter.StatusCode);
        Assert.DoesNotContain("Customer View: <strong>Fabrikam Ltd</strong>", await browser.GetStringAsync("/select-organization"));

        // Now in Customer View the proper way, then a forged "leave".
        var token = AntiforgeryField().Match(await browser.GetStringAsync("/select-organization")).Groups[1].Value;
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/customer-view", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["customerId"] = Demo.Fabrikam.ToString(), ["__RequestVerificationToken"] = token,
        }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostWithoutTokenAsync(browser, "/customer-view/exit")).StatusCode);
        Assert.Contains("Customer View: <strong>Fabrikam Ltd</strong>", await browser.GetStringAsync("/subscriptions"));
    }

    [Fact]
    public async Task APageForm_WithoutAntiforgeryToken_Is400_AndTheOrderIsUnchanged()
    {
        var browser = await SignedInAsync(Demo.FabrikamAdmin);
        var order = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Fabrikam && !o.IsMarkupOnly)
            .OrderBy(o => o.Id).Select(o => new { o.Id, o.Note }).FirstAsync());
        var (id, note) = (order.Id, order.Note);
        var response = await PostWithoutTokenAsync(browser, $"/orders/{id}", new() { ["_handler"] = "note", ["Form.Note"] = "Forged from another site" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(note, await app.WithDbAsync(db => db.Orders.Where(o => o.Id == id).Select(o => o.Note).SingleAsync()));
    }

    [Fact]
    public void EveryFormPostOutsideTheApi_RequiresAnAntiforgeryToken()
    {
        // The API takes bearer tokens only (no cookie, so no cross-site forgery); everything else that a
        // browser can post to must check the token. A new MapPost without it fails here.
        var posts = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Any(m => m is "POST" or "PUT" or "PATCH" or "DELETE") == true)
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) != true)
            .ToList();
        Assert.Contains(posts, e => e.RoutePattern.RawText == "/signout");
        Assert.Contains(posts, e => e.RoutePattern.RawText == "/customer-view/exit");
        Assert.All(posts, e => Assert.True(e.Metadata.GetMetadata<IAntiforgeryMetadata>()?.RequiresValidation == true,
            $"{e.DisplayName} ({e.RoutePattern.RawText}) accepts a post without requiring an antiforgery token."));
    }
}

public sealed class SignInProtectionApiTestsOnSqlite(SignInSqliteFactory app) : SignInProtectionApiTests(app, app), IClassFixture<SignInSqliteFactory>;
public sealed class SignInProtectionApiTestsOnPostgres(SignInPostgresFactory app) : SignInProtectionApiTests(app, app), IClassFixture<SignInPostgresFactory>;

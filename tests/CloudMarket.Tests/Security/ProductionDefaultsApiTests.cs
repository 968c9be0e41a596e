using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Security;

/// <summary>
/// Issue 10 section 1: the app in environment Production with nothing but the settings Production
/// requires, served on loopback where a TLS proxy would sit. No demo, HTTPS enforced (HSTS, redirection,
/// Secure cookies) with X-Forwarded-Proto honoured from the loopback proxy, data-protection keys
/// encrypted in the database with the configured certificate and readable by another instance.
/// </summary>
public abstract partial class ProductionDefaultsApiTests(CloudMarketFactory app, TestCertificate certificate, string connectionString)
{
    private const string PublicHost = "cloudmarket.example";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A request as the TLS proxy on this host forwards it: public host name, scheme https, the client's address.</summary>
    private static HttpRequestMessage ViaProxy(HttpMethod method, string path, HttpContent? content = null, string? cookies = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = PublicHost;
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "192.0.2.44");
        if (cookies is not null)
            request.Headers.Add("Cookie", cookies);
        return request;
    }

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    /// <summary>name=value of each cookie set, as a browser sends them back.</summary>
    private static string CookieHeader(params HttpResponseMessage[] responses) =>
        string.Join("; ", responses.SelectMany(SetCookies).Select(c => c.Split(';')[0]));

    [Fact]
    public async Task NoDemoIsSeeded_AndTheSignInPageNamesNoUserAndNoPassword()
    {
        Assert.False(await app.WithDbAsync(db => db.Users.AnyAsync(u => u.Email!.EndsWith("@contoso.example") || u.Email.EndsWith("@northwind.example"))));
        Assert.False(await app.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == "Northwind Distribution")));

        using var client = app.RealClient();
        var page = await (await client.SendAsync(ViaProxy(HttpMethod.Get, "/signin"))).Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/signin\"", page);
        Assert.DoesNotContain("demo-hint", page);
        Assert.DoesNotContain("Demo123!", page);
        Assert.DoesNotContain(DemoOptions.SuggestedUser, page);
    }

    [Fact]
    public async Task BehindATlsProxy_SignInSetsSecureCookies_AndAnswersCarryStrictTransportSecurity()
    {
        await Production.CreateUserAsync(app.Services);
        using var client = app.RealClient();

        var form = await client.SendAsync(ViaProxy(HttpMethod.Get, "/signin"));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal("max-age=31536000", form.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.All(SetCookies(form), c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));

        var token = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        var signIn = await client.SendAsync(ViaProxy(HttpMethod.Post, "/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = Production.UserEmail, ["password"] = Production.UserPassword, ["__RequestVerificationToken"] = token,
        }), CookieHeader(form)));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.NotNull(signIn.Headers.GetValues("Strict-Transport-Security").SingleOrDefault());
        var auth = SetCookies(signIn).Single(c => c.StartsWith("cloudmarket.auth="));
        Assert.Contains("; secure", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; samesite=strict", auth, StringComparison.OrdinalIgnoreCase);

        var home = await client.SendAsync(ViaProxy(HttpMethod.Get, "/select-organization", cookies: CookieHeader(signIn)));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("First Admin", await home.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PlainHttp_IsRedirectedToHttps_WithoutHsts_WhileHealthProbesAreAnswered()
    {
        using var client = app.RealClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/signin?returnUrl=%2Forders");
        request.Headers.Host = PublicHost;
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal($"https://{PublicHost}/signin?returnUrl=%2Forders", response.Headers.Location?.ToString());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));

        var api = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/token") { Content = JsonContent.Create(new { email = "a@b.example", password = "x" }) };
        api.Headers.Host = PublicHost;
        Assert.Equal(HttpStatusCode.TemporaryRedirect, (await client.SendAsync(api)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task DataProtectionKeys_AreStoredEncryptedWithTheCertificate_AndAnotherInstanceReadsTheTokensTheyProtect()
    {
        await Production.CreateUserAsync(app.Services);
        using var client = app.RealClient();
        var issued = await client.SendAsync(ViaProxy(HttpMethod.Post, "/api/v1/auth/token",
            JsonContent.Create(new { email = Production.UserEmail, password = Production.UserPassword })));
        var accessToken = (await issued.JsonAsync(HttpStatusCode.OK)).GetProperty("accessToken").GetString();

        var keys = await app.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).ToListAsync());
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<encryptedSecret decryptorType=\"Microsoft.AspNetCore.DataProtection.XmlEncryption.EncryptedXmlDecryptor", xml);
            Assert.Contains(certificate.Base64, xml); // encrypted for the configured certificate
            Assert.DoesNotContain("<value>", xml); // the key material in the clear
        });

        // Another instance behind the same load balancer: same database, same certificate.
        await using var second = new ProductionInstance(app.Provider, connectionString, certificate);
        await second.InitializeAsync();
        using var secondClient = second.RealClient();
        var me = ViaProxy(HttpMethod.Get, "/api/v1/me");
        me.Headers.Authorization = new("Bearer", accessToken);
        var answer = await (await secondClient.SendAsync(me)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(Production.UserEmail, answer.GetProperty("user").GetProperty("email").GetString());
    }
}

public sealed class ProductionDefaultsApiTestsOnSqlite(ProductionSqliteFactory app)
    : ProductionDefaultsApiTests(app, app.Certificate, app.SharedConnectionString), IClassFixture<ProductionSqliteFactory>;

public sealed class ProductionDefaultsApiTestsOnPostgres(ProductionPostgresFactory app)
    : ProductionDefaultsApiTests(app, app.Certificate, app.SharedConnectionString), IClassFixture<ProductionPostgresFactory>;

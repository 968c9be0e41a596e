using System.Net;
using System.Net.Http.Json;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Foundation;

public abstract class IdentityApiTests(CloudMarketFactory app)
{
    public static TheoryData<string, string, string, string, string> DemoUsers => new()
    {
        { Demo.DistributorAdmin, "Northwind Distribution", "distributor", "distributorAdmin", "Nora" },
        { Demo.SellerAdmin, "Contoso Cloud", "seller", "sellerAdmin", "Anna" },
        { Demo.AccountManager, "Contoso Cloud", "seller", "accountManager", "Marco" },
        { Demo.SubscriptionsManager, "Contoso Cloud", "seller", "subscriptionsManager", "Sofia" },
        { Demo.SupportAgent, "Contoso Cloud", "seller", "supportAgent", "Sam" },
        { Demo.LitwareAdmin, "Litware Solutions", "seller", "sellerAdmin", "Liam" },
        { Demo.FabrikamAdmin, "Fabrikam Ltd", "customer", "customerAdmin", "Ida" },
        { Demo.FabrikamCustomer, "Fabrikam Ltd", "customer", "customer", "Felix" },
        { Demo.FabrikamBilling, "Fabrikam Ltd", "customer", "customerBillingAdmin", "Bea" },
        { Demo.TailspinAdmin, "Tailspin Toys", "customer", "customerAdmin", "Tom" },
        { Demo.AdatumAdmin, "Adatum Corp", "customer", "customerAdmin", "Ada" },
    };

    [Theory]
    [MemberData(nameof(DemoUsers))]
    public async Task Me_ForEveryDemoUser_ReturnsUserOrganizationAndRole(string email, string organization, string type, string role, string firstName)
    {
        var client = await app.ClientAsync(email);
        var me = await client.GetJsonAsync("/api/v1/me");
        Assert.Equal(email, me.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(firstName, me.GetProperty("user").GetProperty("firstName").GetString());
        Assert.Equal(organization, me.GetProperty("organization").GetProperty("name").GetString());
        Assert.Equal(type, me.GetProperty("organization").GetProperty("type").GetString());
        Assert.Equal([role], me.GetProperty("roles").Strings());
    }

    [Fact]
    public async Task Token_WithRightPassword_ReturnsBearerTokenThatExpiresInFifteenMinutes()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.SellerAdmin, password = CloudMarketFactory.DemoPassword });
        var token = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.Equal(15 * 60, token.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrEmpty(token.GetProperty("accessToken").GetString()));
    }

    [Fact]
    public async Task Token_WithWrongPasswordOrUnknownEmail_AnswersTheSame401()
    {
        var client = app.CreateClient();
        var wrong = await (await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.TailspinAdmin, password = "nope-nope" })).JsonAsync(HttpStatusCode.Unauthorized);
        var unknown = await (await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "nobody@nowhere.example", password = "nope-nope" })).JsonAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
        Assert.Equal(wrong.GetProperty("title").GetString(), unknown.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"email\": 42, \"password\": true}")]
    [InlineData("{}")]
    [InlineData("{\"email\": \"a\\u0000b@fabrikam.example\", \"password\": \"x\"}")]
    public async Task Token_WithMalformedBody_AnswersAClear4xx(string body)
    {
        var response = await app.CreateClient().PostRawAsync("/api/v1/auth/token", body);
        Assert.InRange((int)response.StatusCode, 400, 401);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Me_WithoutToken_Answers401Problem()
    {
        var response = await app.CreateClient().GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Me_WithForgedToken_Answers401()
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }
}

public sealed class IdentityApiTestsOnSqlite(SqliteFactory app) : IdentityApiTests(app), IClassFixture<SqliteFactory>;
public sealed class IdentityApiTestsOnPostgres(PostgresFactory app) : IdentityApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Identity;

/// <summary>The user's time zone in GET|PUT /api/v1/me: an IANA name, UTC by default; the API itself stays in UTC.</summary>
public abstract class TimeZoneApiTests(CloudMarketFactory app)
{
    private Task<string> StoredZoneAsync(string email) =>
        app.WithDbAsync(db => db.Users.AsNoTracking().Where(u => u.Email == email).Select(u => u.TimeZone).SingleAsync());

    [Fact]
    public async Task Me_WithoutAChoice_IsInUtc()
    {
        var client = await app.ClientAsync(Demo.FabrikamBilling);
        Assert.Equal("UTC", (await client.GetJsonAsync("/api/v1/me")).GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task PutMe_WithAnIanaName_IsKept_AndOrdersStayInUtc()
    {
        var client = await app.ClientAsync(Demo.AccountManager);

        var answer = await client.PutJsonAsync("/api/v1/me", new { timeZone = "Europe/Berlin" }, HttpStatusCode.OK);

        Assert.Equal("Europe/Berlin", answer.GetProperty("timeZone").GetString());
        Assert.Equal(Demo.AccountManager, answer.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal("Europe/Berlin", (await client.GetJsonAsync("/api/v1/me")).GetProperty("timeZone").GetString());
        Assert.Equal("Europe/Berlin", await StoredZoneAsync(Demo.AccountManager));
        // The API's instants are still UTC ISO-8601, whatever the reader's zone.
        var orders = await (await app.ClientAsync(Demo.AccountManager, Demo.Fabrikam)).GetJsonAsync("/api/v1/orders?view=historical&state=all");
        Assert.All(orders.GetProperty("items").EnumerateArray(), o => Assert.EndsWith("Z", o.GetProperty("date").GetString()));
    }

    [Theory]
    [InlineData("{\"timeZone\": \"Mars/Olympus_Mons\"}")]
    [InlineData("{\"timeZone\": \"W. Europe Standard Time\"}")]
    [InlineData("{\"timeZone\": \"../../../etc/passwd\"}")]
    [InlineData("{\"timeZone\": \"\"}")]
    [InlineData("{}")]
    public async Task PutMe_WithNoIanaName_Answers400ForTheField_AndChangesNothing(string body)
    {
        var client = await app.ClientAsync(Demo.SupportAgent);
        await client.PutJsonAsync("/api/v1/me", new { timeZone = "Asia/Tokyo" }, HttpStatusCode.OK);

        var problem = await (await client.PutAsync("/api/v1/me", new StringContent(body, System.Text.Encoding.UTF8, "application/json")))
            .JsonAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["timeZone"], problem.ErrorFields());
        Assert.Equal("Asia/Tokyo", await StoredZoneAsync(Demo.SupportAgent));
        Assert.Equal("Asia/Tokyo", (await client.GetJsonAsync("/api/v1/me")).GetProperty("timeZone").GetString());
    }

    [Theory]
    [InlineData("{\"timeZone\": 42}")]
    [InlineData("[]")]
    [InlineData("{")]
    public async Task PutMe_WithMalformedJson_Answers400_AndChangesNothing(string body)
    {
        var client = await app.ClientAsync(Demo.TailspinAdmin);

        var response = await client.PutAsync("/api/v1/me", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("UTC", await StoredZoneAsync(Demo.TailspinAdmin));
    }

    [Fact]
    public async Task TheProfilePage_SetsTheSameZone_AndRefusesAnUnknownOneUnderItsField()
    {
        var browser = await app.BrowserAsync(Demo.SubscriptionsManager);

        var refused = await PageClient.PostFormAsync(browser, "/account", "/account",
            new() { ["_handler"] = "time-zone", ["Form.TimeZone"] = "Atlantis/Capital" });
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("data-field=\"timeZone\"", html);
        Assert.Contains("Unknown time zone", html);
        Assert.Equal("UTC", await StoredZoneAsync(Demo.SubscriptionsManager));

        var saved = await PageClient.PostFormAsync(browser, "/account", "/account",
            new() { ["_handler"] = "time-zone", ["Form.TimeZone"] = "America/New_York" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal("America/New_York", await StoredZoneAsync(Demo.SubscriptionsManager));
        var me = await (await app.ClientAsync(Demo.SubscriptionsManager)).GetJsonAsync("/api/v1/me");
        Assert.Equal("America/New_York", me.GetProperty("timeZone").GetString());
        // Pages now name that zone where they show times.
        Assert.Contains("America/New_York", await browser.PageAsync("/account"));
    }

    [Fact]
    public async Task PutMe_WithoutToken_Answers401()
    {
        var response = await app.CreateClient().PutAsync("/api/v1/me", new StringContent("{\"timeZone\":\"UTC\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class TimeZoneApiTestsOnSqlite(SqliteFactory app) : TimeZoneApiTests(app), IClassFixture<SqliteFactory>;
public sealed class TimeZoneApiTestsOnPostgres(PostgresFactory app) : TimeZoneApiTests(app), IClassFixture<PostgresFactory>;

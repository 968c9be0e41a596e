using System.Net;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>Low API budgets: 2 requests a second (bursts of 4) per signed-in user and per anonymous address.</summary>
public static class LowApiRateLimit
{
    public static IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:ApiRequestsPerSecondPerUser"] = "2",
        ["Security:AnonymousApiRequestsPerSecondPerAddress"] = "2",
    };
}

public sealed class LowApiRateLimitSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => LowApiRateLimit.Settings;
}

public sealed class LowApiRateLimitPostgresFactory : PostgresFactory
{
    protected override IDictionary<string, string?> Settings => LowApiRateLimit.Settings;
}

/// <summary>
/// The API rate limit (issue 10 §3): anonymous requests are limited per client address, signed-in
/// requests per user, so neither an anonymous flood nor another user's flood from the same address
/// (every test request comes from the same one) uses up a signed-in user's budget.
/// </summary>
public abstract class ApiRateLimitApiTests(CloudMarketFactory app)
{
    /// <summary>Sends the request until it answers 429; a budget that never runs out fails the test.</summary>
    private static async Task<HttpResponseMessage> FloodUntilRefusedAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var i = 0; i < 2000; i++)
        {
            var response = await send();
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return response;
        }
        Assert.Fail("2000 requests were never rate limited");
        return null!;
    }

    [Fact]
    public async Task AnAnonymousFlood_IsLimited_ButASignedInUserFromTheSameAddressIsNot()
    {
        var signedIn = await app.ClientAsync(Demo.TailspinAdmin);
        var anonymous = app.CreateClient();

        var refused = await FloodUntilRefusedAsync(() => anonymous.GetAsync("/api/v1/me"));
        var problem = await refused.JsonAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetAsync("/api/v1/organizations")).StatusCode);

        var me = await signedIn.GetJsonAsync("/api/v1/me");
        Assert.Equal("customer.admin@tailspin.example", me.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task OneUsersFlood_IsLimited_ButAnotherUserFromTheSameAddressIsNot()
    {
        var flooding = await app.ClientAsync(Demo.AdatumAdmin);
        var other = await app.ClientAsync(Demo.FabrikamBilling);

        await FloodUntilRefusedAsync(() => flooding.GetAsync("/api/v1/me"));

        var me = await other.GetJsonAsync("/api/v1/me");
        Assert.Equal("billing.admin@fabrikam.example", me.GetProperty("user").GetProperty("email").GetString());
    }
}

public sealed class ApiRateLimitApiTestsOnSqlite(LowApiRateLimitSqliteFactory app) : ApiRateLimitApiTests(app), IClassFixture<LowApiRateLimitSqliteFactory>;
public sealed class ApiRateLimitApiTestsOnPostgres(LowApiRateLimitPostgresFactory app) : ApiRateLimitApiTests(app), IClassFixture<LowApiRateLimitPostgresFactory>;

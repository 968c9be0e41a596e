using System.Net;
using System.Net.Http.Json;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Foundation;

public sealed class LockoutSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Security:MaxFailedSignIns"] = "3" };
}

public sealed class RateLimitedSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Security:SignInRequestsPerMinute"] = "5" };
}

public sealed class LockoutApiTests(LockoutSqliteFactory app) : IClassFixture<LockoutSqliteFactory>
{
    [Fact]
    public async Task Token_AfterRepeatedFailures_LocksTheAccountEvenForTheRightPassword()
    {
        var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
            await (await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.AdatumAdmin, password = "wrong-password" })).JsonAsync(HttpStatusCode.Unauthorized);
        var locked = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.AdatumAdmin, password = CloudMarketFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);

        // Another account is not affected.
        var other = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.TailspinAdmin, password = CloudMarketFactory.DemoPassword });
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Token_FailuresBelowTheThreshold_AreForgottenAfterASuccess()
    {
        var client = app.CreateClient();
        for (var i = 0; i < 2; i++)
            await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamBilling, password = "wrong-password" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamBilling, password = CloudMarketFactory.DemoPassword })).StatusCode);
        for (var i = 0; i < 2; i++)
            await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamBilling, password = "wrong-password" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamBilling, password = CloudMarketFactory.DemoPassword })).StatusCode);
    }
}

public sealed class SignInRateLimitApiTests(RateLimitedSqliteFactory app) : IClassFixture<RateLimitedSqliteFactory>
{
    [Fact]
    public async Task Token_BeyondTheRateLimit_Answers429WithRetryAfter()
    {
        var client = app.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
            last = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "nobody@nowhere.example", password = "x" });
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(last.Headers.RetryAfter is not null);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
    }
}

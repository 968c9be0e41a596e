using System.Net;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static CloudMarket.Tests.Identity.UserKit;

namespace CloudMarket.Tests.Identity;

/// <summary>The application on a clock the test moves (starting now, so the demo data and Identity's own clock agree).</summary>
public interface IFakeClockFactory
{
    FakeTimeProvider Clock { get; }
}

public sealed class FakeClockSqliteFactory : SqliteFactory, IFakeClockFactory
{
    public new FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }
}

public sealed class FakeClockPostgresFactory : PostgresFactory, IFakeClockFactory
{
    public new FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>Token lifetimes (Security:AccessTokenMinutes = 15, Security:RefreshTokenDays = 14) on a fake clock.</summary>
public abstract class SessionExpiryApiTests(CloudMarketFactory app)
{
    private FakeTimeProvider Clock => ((IFakeClockFactory)app).Clock;

    [Fact]
    public async Task AccessToken_ExpiresAfterFifteenMinutes_AndTheRefreshTokenGetsANewOne()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer", freshAdminToken: true);
        var tokens = await SignInAsync(app, user.Email, user.Password);

        Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, tokens.AccessToken));
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, tokens.AccessToken));

        var next = await (await RefreshAsync(app, tokens.RefreshToken)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, next.GetProperty("accessToken").GetString()!));
    }

    [Fact]
    public async Task RefreshToken_UnusedForFourteenDays_Expires_WhileEachRefreshStartsANewPeriod()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer", freshAdminToken: true);
        var kept = await SignInAsync(app, user.Email, user.Password);
        var idle = await SignInAsync(app, user.Email, user.Password);

        Clock.Advance(TimeSpan.FromDays(10));
        var refreshed = (await (await RefreshAsync(app, kept.RefreshToken)).JsonAsync(HttpStatusCode.OK)).GetProperty("refreshToken").GetString()!;

        Clock.Advance(TimeSpan.FromDays(4));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, idle.RefreshToken)).StatusCode);
        await (await RefreshAsync(app, refreshed)).JsonAsync(HttpStatusCode.OK);
    }
}

public sealed class SessionExpiryApiTestsOnSqlite(FakeClockSqliteFactory app) : SessionExpiryApiTests(app), IClassFixture<FakeClockSqliteFactory>;
public sealed class SessionExpiryApiTestsOnPostgres(FakeClockPostgresFactory app) : SessionExpiryApiTests(app), IClassFixture<FakeClockPostgresFactory>;

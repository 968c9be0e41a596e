using System.Net;
using System.Text.Json;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;

namespace CloudMarket.Tests.Workspace;

/// <summary>
/// <c>Attention:StuckAfterMinutes</c> is a setting: checked before the app starts, and honoured. Each test
/// starts an app of its own with the value it needs (the database does not matter here: SQLite).
/// </summary>
public sealed class AttentionSettingsTests
{
    private sealed class Configured(string stuckAfterMinutes) : SqliteFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Attention:StuckAfterMinutes"] = stuckAfterMinutes,
            ["Security:AccessTokenMinutes"] = "1440",
        };
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10081")]
    public async Task AStuckThresholdOutOfRange_StopsTheStart_NamingTheSetting(string minutes)
    {
        await using var app = new Configured(minutes);
        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(async () => await app.InitializeAsync());
        Assert.Contains("cannot start", refusal.Message);
        Assert.Contains("StuckAfterMinutes", refusal.Message);
    }

    [Fact]
    public async Task AnOrderIsStuckAfterTheConfiguredMinutes()
    {
        await using var app = new Configured("30");
        await app.InitializeAsync();
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var id = await client.CreateCartIdAsync(OrderKit.NewAcronis());
        Assert.Equal(HttpStatusCode.Accepted, (await client.PlaceAsync(id)).StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(20));
        Assert.DoesNotContain(id, await StuckAsync(app));
        app.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Contains(id, await StuckAsync(app));
    }

    private static async Task<List<long>> StuckAsync(CloudMarketFactory app) =>
        (await (await app.ClientAsync(Demo.SellerAdmin)).GetJsonAsync("/api/v1/attention?kind=stuck"))
        .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetInt64()).ToList();
}

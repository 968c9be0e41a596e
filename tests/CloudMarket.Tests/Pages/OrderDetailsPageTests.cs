using System.Globalization;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Pages;

/// <summary>An order stuck at a vendor: the page says since when it has been waiting, and its live region can pause.</summary>
public sealed class OrderDetailsPageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    [Fact]
    public async Task AnOrderWaitingForDays_SaysSinceWhen_AndItsLiveRegionCanPause()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(OrderKit.NewAcronis(2));
        Assert.True((await anna.PlaceAsync(id, Guid.NewGuid().ToString())).IsSuccessStatusCode);
        // Sent to the vendor two days and three hours ago, and not a word since.
        var sent = DateTime.UtcNow.AddDays(-2).AddHours(-3);
        await app.WithDbAsync(async db =>
        {
            var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
            order.StartProvisioning(sent);
            return await db.SaveChangesAsync();
        });
        var browser = await app.BrowserAsync(Demo.SellerAdmin, Demo.Fabrikam);

        var html = await browser.PageAsync($"/orders/{id}");

        // In the user's zone (UTC by default), the exact moment with its zone on hover too.
        var moment = sent.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
        Assert.Contains($"Waiting for the vendor since <time datetime=\"{sent:O}\" title=\"{moment}\">{moment}</time> (2 days).", html);
        Assert.Contains("data-live-idle-ms=\"120000\"", html);
        Assert.Matches("<p[^>]*data-live-stopped[^>]*hidden", html);
        Assert.Contains("Live updates paused: nothing changed for 2 minutes.", html);
        Assert.Contains($"href=\"orders/{id}\" data-testid=\"live-refresh\">Refresh</a>", html);
    }

    [Fact]
    public async Task ASettledOrder_SaysNothingAboutWaiting()
    {
        var completed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.Completed);
        var browser = await app.BrowserAsync(Demo.FabrikamAdmin);

        var html = await browser.PageAsync($"/orders/{completed}");

        Assert.DoesNotContain("data-testid=\"waiting-since\"", html);
        Assert.DoesNotContain("data-live-stopped", html);
    }
}

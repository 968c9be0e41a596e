using CloudMarket.Data;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Pages;

/// <summary>Where a decrease is offered (the subscription's page), the cancellation deadline is shown.</summary>
public sealed class SubscriptionPageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    private Task<Subscription> SubscriptionAsync(Guid id) => app.WithDbAsync(db => db.Subscriptions.AsNoTracking().SingleAsync(s => s.Id == id));

    private static string Deadline(Subscription s) => $"{s.CurrentTermStart.AddHours(168):yyyy-MM-dd HH:mm} UTC";

    [Fact]
    public async Task AnOpenWindow_SaysUntilWhenLicencesCanBeDecreased()
    {
        var wingtip = await SubscriptionAsync(DemoData.SubscriptionIds.WingtipBasic);
        var browser = await app.BrowserAsync(Demo.SellerAdmin, DemoData.Wingtip);

        var html = await browser.PageAsync($"/subscriptions/{wingtip.Id}");

        Assert.Contains($"Licences can be decreased until <strong>{Deadline(wingtip)}</strong> (in ", html);
        Assert.Contains("7 days after the purchase or the last renewal.", html);
    }

    [Fact]
    public async Task AClosedWindow_SaysWhenItClosed_AndWhenItOpensAgain_AndAVendorWithoutOneSaysNothing()
    {
        var e3 = await SubscriptionAsync(DemoData.SubscriptionIds.FabrikamE3);
        var browser = await app.BrowserAsync(Demo.FabrikamAdmin);

        var html = await browser.PageAsync($"/subscriptions/{e3.Id}");

        Assert.Contains($"Licences can no longer be decreased: the cancellation window closed on {Deadline(e3)}, 7 days after the purchase or the last renewal. " +
                        $"It opens again at the renewal on {e3.RenewalDate:yyyy-MM-dd}.", html);
        Assert.DoesNotContain("data-testid=\"cancellation-window\"", await browser.PageAsync($"/subscriptions/{DemoData.SubscriptionIds.FabrikamAcronis}"));
    }
}

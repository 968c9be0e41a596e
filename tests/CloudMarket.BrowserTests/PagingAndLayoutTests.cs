using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.BrowserTests;

/// <summary>Keyset paging through the lists, and pages that fit a phone as well as a 1280 px screen.</summary>
public sealed class PagingAndLayoutTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task RecentOrders_ArePagedNewestFirst_WithOlderAndNewerLinks()
    {
        await AddCartsAsync(30);
        var page = await SellerInFabrikamAsync();
        var first = await RowIdsAsync(page);
        Assert.Equal(OrderListFilter.DefaultLimit, first.Count);
        await Assertions.Expect(page.GetByTestId("page-previous")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Older →" }).ClickAsync();
        var second = await RowIdsAsync(page);
        Assert.NotEmpty(second);
        Assert.Empty(first.Intersect(second));

        var everything = await App.WithDbAsync(db => db.Orders.CountAsync(o => o.CustomerId == DemoData.Fabrikam
            && OrderLifecycle.RecentStatuses.Contains(o.Status)));
        Assert.Equal(everything, first.Count + second.Count);
        await Assertions.Expect(page.GetByTestId("page-next")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "← Newer" }).ClickAsync();
        Assert.Equal(first, await RowIdsAsync(page));
        await Assertions.Expect(page.GetByTestId("page-previous")).ToHaveCountAsync(0);
        Assert.Empty(ScriptProblems);
    }

    [Theory]
    [InlineData("/orders?view=historical&state=all")]
    [InlineData("/orders")]
    [InlineData("/catalog")]
    [InlineData("/cart")]
    [InlineData("/subscriptions")]
    public async Task Pages_FitAPhoneScreen_WithoutSidewaysScrolling(string path)
    {
        var page = await NewPageAsync(width: 390, height: 844);
        await SignInAsync(page, SellerAdmin);
        await ActOnBehalfAsync(page, Fabrikam);
        await page.GotoAsync(path);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{path} is {overflow}px wider than the phone's screen.");
        Assert.Empty(ScriptProblems);
    }

    private Task AddCartsAsync(int count) => App.WithDbAsync(async db =>
    {
        var customer = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == DemoData.Fabrikam);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == CustomerAdmin);
        var who = new EventActor(user.Id, user.FullName, customer.Id, customer.Name);
        var start = DateTime.UtcNow.AddDays(-90);
        for (var i = 0; i < count; i++)
            db.Orders.Add(Order.CreateCart(customer, who, OrganizationType.Customer, $"Bulk cart {i}", start.AddHours(i)));
        await db.SaveChangesAsync();
        return 0;
    });
}

using System.Text.RegularExpressions;
using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The workspace's list headers and internal note in the browser: Order ID, Date and Status sort the list
/// (links, by mouse and keyboard, with aria-sort), and the seller's internal note, saved on the order's
/// page, is nowhere on the customer admin's pages.
/// </summary>
public sealed class OrderSortAndInternalNoteTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private const string AllOrders = "/orders?view=historical&state=all";

    private static ILocator Header(IPage page, string name) => page.Locator("[data-testid=orders] thead th").Filter(new() { HasText = name });

    private Task<List<(long Id, DateTime Date, string Status)>> FabrikamOrdersAsync() => App.WithDbAsync(async db =>
        (await db.Orders.AsNoTracking().Where(o => o.CustomerId == DemoData.Fabrikam).Select(o => new { o.Id, o.Date, o.Status }).ToListAsync())
        .Select(o => (o.Id, o.Date, ApiNames.Of(o.Status))).ToList());

    [Fact]
    public async Task TheHeaders_SortTheList_BothWays_ByMouseAndKeyboard()
    {
        var page = await SellerInFabrikamAsync();
        await page.GotoAsync(AllOrders);
        await Assertions.Expect(Header(page, "Date")).ToHaveAttributeAsync("aria-sort", "descending");
        var orders = await FabrikamOrdersAsync();
        var shown = (await RowIdsAsync(page)).Count;

        // Date: oldest first, then newest first again.
        await page.GetByTestId("sort-date").ClickAsync();
        await page.WaitForURLAsync(new Regex("[?&]sort=date(&|$)"));
        await Assertions.Expect(Header(page, "Date")).ToHaveAttributeAsync("aria-sort", "ascending");
        Assert.Equal(orders.OrderBy(o => o.Date).ThenBy(o => o.Id).Select(o => o.Id).Take(shown), await RowIdsAsync(page));

        // Order ID by keyboard: focus the header's link and press Enter.
        await page.GetByTestId("sort-number").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("[?&]sort=-number"));
        await Assertions.Expect(Header(page, "Order ID")).ToHaveAttributeAsync("aria-sort", "descending");
        await Assertions.Expect(Header(page, "Date")).Not.ToHaveAttributeAsync("aria-sort", new Regex("."));
        Assert.Equal(orders.Select(o => o.Id).OrderDescending().Take(shown), await RowIdsAsync(page));

        // Status: a to z, newest first within a status; a second click z to a.
        await page.GetByTestId("sort-status").ClickAsync();
        await page.WaitForURLAsync(new Regex("[?&]sort=status"));
        await Assertions.Expect(Header(page, "Status")).ToHaveAttributeAsync("aria-sort", "ascending");
        Assert.Equal(orders.OrderBy(o => o.Status, StringComparer.Ordinal).ThenByDescending(o => o.Date).ThenByDescending(o => o.Id).Select(o => o.Id).Take(shown),
            await RowIdsAsync(page));
        await page.GetByTestId("sort-status").ClickAsync();
        await page.WaitForURLAsync(new Regex("[?&]sort=-status"));
        await Assertions.Expect(Header(page, "Status")).ToHaveAttributeAsync("aria-sort", "descending");
        Assert.Equal(orders.OrderByDescending(o => o.Status, StringComparer.Ordinal).ThenByDescending(o => o.Date).ThenByDescending(o => o.Id).Select(o => o.Id).Take(shown),
            await RowIdsAsync(page));

        // A filter keeps the sort, and the export follows it.
        await page.GetByLabel("Search").FillAsync("Microsoft");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("q=Microsoft"));
        Assert.Contains("sort=-status", page.Url);
        var filtered = await RowIdsAsync(page);
        Assert.NotEmpty(filtered);
        Assert.Equal(filtered, CsvIds(await DownloadCsvAsync(page)));
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task TheInternalNote_IsSavedByTheSeller_AndIsNowhereOnTheCustomerAdminsPages()
    {
        const string secret = "Internal: call Ida back in Q1 about E5";
        var orderId = await OrderIdAsync(o => o.CustomerId == DemoData.Fabrikam && o.Status == Features.Orders.OrderStatus.Completed && !o.IsMarkupOnly);
        var seller = await SellerInFabrikamAsync();
        await seller.GotoAsync($"/orders/{orderId}");
        var card = seller.GetByTestId("internal-note");
        await Assertions.Expect(card).ToContainTextAsync("Internal — not visible to the customer");
        await card.GetByLabel("Internal note (not visible to the customer)").FillAsync(secret);
        await card.GetByRole(AriaRole.Button, new() { Name = "Save internal note" }).ClickAsync();
        await seller.WaitForURLAsync($"**/orders/{orderId}?done=internal-note");
        await Assertions.Expect(seller.GetByText("Internal note saved.")).ToBeVisibleAsync();
        await Assertions.Expect(seller.GetByTestId("internal-note").Locator("textarea")).ToHaveValueAsync(secret);
        // The seller finds the order by it.
        await seller.GotoAsync($"{AllOrders}&q=call%20Ida%20back");
        Assert.Equal([orderId], await RowIdsAsync(seller));

        var customer = await NewPageAsync();
        await SignInAsync(customer, CustomerAdmin);
        await customer.GotoAsync($"/orders/{orderId}");
        await Assertions.Expect(customer.GetByTestId("order-name")).ToBeVisibleAsync();
        await Assertions.Expect(customer.GetByTestId("internal-note")).ToHaveCountAsync(0);
        foreach (var url in new[] { $"/orders/{orderId}", AllOrders, $"{AllOrders}&q={orderId}" })
        {
            await customer.GotoAsync(url);
            var html = await customer.ContentAsync();
            Assert.DoesNotContain("call Ida back", html);
            Assert.DoesNotContain("Internal note", html);
        }
        await customer.GotoAsync($"{AllOrders}&q=call%20Ida%20back");
        await Assertions.Expect(customer.GetByTestId("orders-empty")).ToBeVisibleAsync();
        await customer.GotoAsync(AllOrders);
        Assert.DoesNotContain("call Ida back", await DownloadCsvAsync(customer));
        Assert.Empty(ScriptProblems);
    }
}

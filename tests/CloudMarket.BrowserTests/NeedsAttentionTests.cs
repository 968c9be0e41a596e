using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The seller's landing page (issue #14): Needs attention across the customers, a row opening its order in
/// that customer's Customer View, and the customer list with its counts. The worker and the in-process
/// vendor sandbox run, so a corrected order really goes back to the vendor.
/// </summary>
public sealed class NeedsAttentionTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task Seller_LandsOnNeedsAttention_OpensFabrikamsFailedOrder_CorrectsAndRetriesIt_AndItLeavesTheQueue()
    {
        // The demo's Fabrikam order whose tenant the vendor refused (DomainAlreadyExists).
        var failedId = await OrderIdAsync(o => o.CustomerId == DemoData.Fabrikam && o.Status == Features.Orders.OrderStatus.ProvisioningFailed);
        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);

        // The customer list first, as the demo left it: Fabrikam's counts at a glance.
        await page.GotoAsync("/select-organization");
        var fabrikam = page.Locator($"[data-testid=customer-row][data-customer-id='{DemoData.Fabrikam}']");
        await Assertions.Expect(fabrikam.GetByTestId("open-orders")).ToHaveTextAsync("3");
        await Assertions.Expect(fabrikam.GetByTestId("failed-orders")).ToHaveTextAsync("1");
        await Assertions.Expect(fabrikam.GetByTestId("subscriptions")).ToHaveTextAsync("5");
        await Assertions.Expect(fabrikam.GetByTestId("next-renewal")).Not.ToHaveTextAsync("—");

        // Signing in lands on Needs attention.
        await page.GetByTestId("nav-attention").ClickAsync();
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/attention$"));
        await Assertions.Expect(page.GetByTestId("attention-title")).ToHaveTextAsync("Needs attention");
        await Assertions.Expect(page.GetByTestId("count-provisioningFailed")).ToHaveAttributeAsync("data-count", "1");
        var row = page.Locator($"[data-testid=attention-row][data-kind=provisioningFailed][data-order-id='{failedId}']");
        await Assertions.Expect(row).ToContainTextAsync("Fabrikam Ltd");
        await Assertions.Expect(row).ToContainTextAsync("DomainAlreadyExists");
        await Assertions.Expect(row.GetByTestId("what-to-do")).ToContainTextAsync("Correct what the vendor rejected");
        await Assertions.Expect(row.GetByTestId("relative-time").First).ToContainTextAsync("days ago");
        // The charts are drawn by the app's own Chart.js, under the Content-Security-Policy.
        await Assertions.Expect(page.Locator("canvas[data-chart-drawn=true]")).ToHaveCountAsync(2);

        // The row opens the order in Fabrikam's Customer View.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Open order #{failedId} of Fabrikam Ltd" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{failedId}");
        await Assertions.Expect(page.GetByTestId("customer-view-banner")).ToContainTextAsync("Fabrikam Ltd");

        // Correct the tenant the vendor refused and retry.
        await page.GetByTestId("action-retry").ClickAsync();
        await page.GetByLabel("Microsoft tenant name").FillAsync($"fabrikam{Guid.NewGuid():N}"[..20] + ".onmicrosoft.com");
        await page.GetByTestId("confirm-retry").ClickAsync();
        await page.WaitForURLAsync($"**/orders/{failedId}?done=retried");

        // Back on Needs attention it is gone: no longer failed, and it has just moved, so not stuck either.
        await page.GetByTestId("nav-attention").ClickAsync();
        await Assertions.Expect(page.GetByTestId("attention-title")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"[data-testid=attention-row][data-order-id='{failedId}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("count-provisioningFailed")).ToHaveAttributeAsync("data-count", "0");
        Assert.Empty(ScriptProblems);
    }
}

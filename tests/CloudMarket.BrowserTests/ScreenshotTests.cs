using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Orders;

namespace CloudMarket.BrowserTests;

/// <summary>
/// Walks the main pages and photographs them. With CLOUDMARKET_SCREENSHOTS set to a folder (e.g.
/// docs/screenshots) the pictures land there for the docs; otherwise in a temporary folder.
/// </summary>
public sealed class ScreenshotTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    public const string FolderVariable = "CLOUDMARKET_SCREENSHOTS";

    [Fact]
    public async Task MainPages_RenderAndAreCaptured()
    {
        var folder = Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } f
            ? Path.GetFullPath(f) : Path.Combine(Path.GetTempPath(), "cloudmarket-screenshots");
        Directory.CreateDirectory(folder);
        var failedId = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.ProvisioningFailed && o.CustomerId == DemoData.Fabrikam);

        var page = await NewPageAsync(1280, 800);
        await SignInAsync(page, SellerAdmin);
        await Shot(page, folder, "needs-attention");
        await page.GotoAsync("/select-organization");
        await Shot(page, folder, "select-organization");
        await ActOnBehalfAsync(page, Fabrikam);
        await Shot(page, folder, "orders-recent");
        await page.GotoAsync("/orders?view=historical&state=all");
        await Shot(page, folder, "orders-historical-all");
        await page.GotoAsync($"/orders/{failedId}");
        await Shot(page, folder, "order-details");
        await page.GotoAsync($"/orders/{failedId}?confirm=retry");
        await Shot(page, folder, "order-retry");
        var pendingId = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.PendingApproval && o.CustomerId == DemoData.Fabrikam);
        await page.GotoAsync($"/orders/{pendingId}");
        await Shot(page, folder, "order-pending-approval");
        var scheduledId = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.Scheduled && o.CustomerId == DemoData.Fabrikam);
        await page.GotoAsync($"/orders/{scheduledId}");
        await Shot(page, folder, "order-scheduled");
        await page.GotoAsync("/catalog");
        await Shot(page, folder, "catalog");
        await page.GotoAsync("/catalog/ms-365-business-standard");
        await Shot(page, folder, "catalog-offer");
        await AddOfferToCartAsync(page, "Microsoft 365 Business Standard", 10, "it@fabrikam.example", "fabrikam.onmicrosoft.com");
        await Shot(page, folder, "cart");
        await page.GotoAsync($"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        await Shot(page, folder, "subscription-details");

        var customer = await NewPageAsync(1280, 800);
        await SignInAsync(customer, CustomerAdmin);
        await customer.GotoAsync("/orders?view=historical&state=all");
        await Shot(customer, folder, "orders-customer-view");

        await customer.GotoAsync("/users");
        await Shot(customer, folder, "users");
        await customer.GotoAsync($"/users/{DemoData.IdFor("user:" + FabrikamCustomer)}?confirm=deactivate");
        await Shot(customer, folder, "user-details");

        var phone = await NewPageAsync(390, 844);
        await SignInAsync(phone, CustomerAdmin);
        await Shot(phone, folder, "orders-phone");
        await phone.GotoAsync($"/orders/{failedId}");
        await Shot(phone, folder, "order-details-phone");

        TestContext.Current.SendDiagnosticMessage($"Screenshots in {folder}");
        Assert.Empty(ScriptProblems);
    }

    /// <summary>
    /// Photographs a page after checking it is the page the docs show: its own heading, not the
    /// sign-in, Not found or error page, and a picture with something in it.
    /// </summary>
    private static async Task Shot(IPage page, string folder, string name)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var title = await page.TitleAsync();
        Assert.DoesNotContain("Not found", title);
        Assert.DoesNotContain("Sign in", title);
        Assert.DoesNotContain("Error", title);
        Assert.True(await page.Locator("h1").First.IsVisibleAsync(), $"{name}: the page has no visible heading");
        var file = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        Assert.True(new FileInfo(file).Length > 10_000, $"{name}: the screenshot is nearly empty");
    }
}

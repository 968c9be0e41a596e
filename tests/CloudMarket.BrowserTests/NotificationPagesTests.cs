using CloudMarket.BrowserTests.Infrastructure;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The e-mail pages of integrations.md: a user turns a notification off on the Notifications page,
/// and the distributor admin's Sent e-mails page (demo mode) shows what was sent for an order that
/// user then placed — the mails they still want, not the one they turned off.
/// </summary>
public sealed class NotificationPagesTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private const string DistributorAdmin = "distributor.admin@northwind.example";

    [Fact]
    public async Task ACustomerAdminTurnsOffPlacedMails_PlacesAnOrder_AndSentEmailsShowsOnlyTheCompletedMail()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, CustomerAdmin);
        await page.GotoAsync("/notifications");
        var placed = page.GetByLabel("An order I created was placed");
        await Assertions.Expect(placed).ToBeCheckedAsync();
        await placed.UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Saved.", new() { Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync("/notifications");
        await Assertions.Expect(page.GetByLabel("An order I created was placed")).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.GetByLabel("An order is completed")).ToBeCheckedAsync();

        var orderId = await AddOfferToCartAsync(page, "Microsoft 365 Business Basic", 2, "it@fabrikam.example", "fabrikam.onmicrosoft.com");
        await PlaceCartAsync(page, orderId);
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = ProvisioningTimeoutMs });

        // The page is the distributor admin's, and only while the demo is on.
        await page.GotoAsync("/sent-emails");
        await Assertions.Expect(page.GetByTestId("sent-emails")).ToHaveCountAsync(0);

        var distributor = await NewPageAsync();
        await SignInAsync(distributor, DistributorAdmin);
        var mails = distributor.GetByTestId("sent-emails").Locator("tbody tr").Filter(new() { HasText = $"Order #{orderId} " });
        var completed = mails.Filter(new() { HasText = CustomerAdmin }).Filter(new() { HasText = "completed" });
        // The dispatcher writes the mail shortly after the order completes; the page shows it once written.
        for (var i = 0; i < 300 && await completed.CountAsync() == 0; i++)
        {
            await Task.Delay(100);
            await distributor.GotoAsync("/sent-emails");
        }
        await Assertions.Expect(completed).ToHaveCountAsync(1);
        await Assertions.Expect(mails.Filter(new() { HasText = CustomerAdmin }).Filter(new() { HasText = "placed" })).ToHaveCountAsync(0);
        Assert.Empty(ScriptProblems);
    }
}

using CloudMarket.BrowserTests.Infrastructure;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The walks of issue #5 that need the provisioning worker and the vendor sandbox: an order placed in
/// the browser must reach "completed" (or be rejected by the sandbox) by itself, with the page
/// following it live. Each waits up to a minute for the worker.
/// </summary>
public sealed class ProvisioningWalkTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task SellerAdmin_BuysAnOfferForFabrikam_PlacesIt_AndSeesItCompleteInRecentThenHistorical()
    {
        var page = await SellerInFabrikamAsync();
        var orderId = await AddOfferToCartAsync(page, "Microsoft 365 Business Basic", 3, "it@fabrikam.example", "fabrikam.onmicrosoft.com");
        // The navigation tells how many items the cart holds.
        var itemsInCart = await page.GetByTestId("cart-item").CountAsync();
        Assert.True(itemsInCart >= 1);
        await Assertions.Expect(page.GetByTestId("cart-count")).ToHaveTextAsync(itemsInCart == 1 ? "1 item" : $"{itemsInCart} items");

        // The cart is an order in Recent, in status Started.
        await page.GetByTestId("nav-orders").ClickAsync();
        await Assertions.Expect(Row(page, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "started");

        await page.GetByTestId("nav-cart").ClickAsync();
        await PlaceCartAsync(page, orderId);
        await MarkWindowAsync(page);

        // The order page follows provisioning by itself until the order is completed.
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = ProvisioningTimeoutMs });
        Assert.True(await WasNotReloadedAsync(page), "The status changed without the page being reloaded.");
        await Assertions.Expect(page.GetByTestId("item-status").First).ToHaveAttributeAsync("data-status", "provisioningFinished");

        // Completed orders leave Recent for Historical (Active).
        await page.GetByTestId("nav-orders").ClickAsync();
        await Assertions.Expect(page.GetByTestId("orders-title")).ToHaveTextAsync("Recent orders");
        await Assertions.Expect(Row(page, orderId)).ToHaveCountAsync(0);
        await page.GetByTestId("show-historical").ClickAsync();
        await Assertions.Expect(Row(page, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "completed");
        await Assertions.Expect(Row(page, orderId)).ToContainTextAsync("New subscription: Microsoft 365 Business Basic × 3");

        // The subscription it created is there.
        await page.GetByRole(AriaRole.Link, new() { Name = "Subscriptions", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("subscriptions")).ToContainTextAsync("Microsoft 365 Business Basic");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task FailingOrder_RejectedForItsAdminEmail_IsCorrectedAndRetried_ThenCompletes()
    {
        var page = await SellerInFabrikamAsync();
        // The vendor sandbox rejects the admin e-mail: the page shows the rejection and the vendor's error.
        var orderId = await PlaceOrderTheVendorRejectsAsync(page, 2);
        await Assertions.Expect(page.GetByTestId("item-status").First).ToHaveAttributeAsync("data-status", "provisioningFailed");
        await Assertions.Expect(page.GetByTestId("item-error").First).Not.ToBeEmptyAsync();

        // Correct the e-mail and retry, behind a confirmation step.
        await page.GetByRole(AriaRole.Link, new() { Name = "Correct and retry…" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm")).ToContainTextAsync("Correct and retry the rejected items");
        await page.GetByLabel("Admin e-mail").FillAsync("it@fabrikam.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry rejected items" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=retried");

        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = ProvisioningTimeoutMs });
        await Assertions.Expect(page.GetByTestId("item-admin").First).ToContainTextAsync("it@fabrikam.example");
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Retry of 1 failed item(s).");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task FailingOrder_ClosedBehindAConfirmation_EndsFailed_AndLeavesRecentForHistorical()
    {
        var page = await SellerInFabrikamAsync();
        var orderId = await PlaceOrderTheVendorRejectsAsync(page, 1);

        // Closing cannot be undone: it asks first.
        await page.GetByTestId("action-close").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm")).ToContainTextAsync("Close this order?");
        await page.GetByTestId("confirm-close").ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=closed");

        // Its only item was rejected, so it ends failed, with the vendor's error kept on the item.
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "failed");
        await Assertions.Expect(page.GetByTestId("item-error").First).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.GetByTestId("action-close")).ToHaveCountAsync(0);

        await page.GetByTestId("nav-orders").ClickAsync();
        await Assertions.Expect(Row(page, orderId)).ToHaveCountAsync(0);
        await page.GetByTestId("show-historical").ClickAsync();
        await Assertions.Expect(Row(page, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "failed");
        Assert.Empty(ScriptProblems);
    }

    /// <summary>Buys Exchange Online with an admin e-mail the sandbox cannot reach, places it, and waits until the order is provisioningFailed.</summary>
    private static async Task<long> PlaceOrderTheVendorRejectsAsync(IPage page, int quantity)
    {
        var orderId = await AddOfferToCartAsync(page, "Exchange Online (Plan 1)", quantity, "nobody@invalid.example", "fabrikam.onmicrosoft.com");
        await PlaceCartAsync(page, orderId);
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "provisioningFailed", new() { Timeout = ProvisioningTimeoutMs });
        return orderId;
    }
}

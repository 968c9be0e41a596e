using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;

namespace CloudMarket.BrowserTests;

/// <summary>
/// workflow.md in the browser: a change scheduled on renewal from the cart's place step, seen on the
/// subscription; a customer's big order waiting for approval, approved by the seller behind a
/// confirmation, then provisioned to completion by the worker.
/// </summary>
public sealed class WorkflowPagesTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    [Fact]
    public async Task AChangeScheduledOnRenewal_IsScheduled_AndListedOnTheSubscription()
    {
        var page = await SellerInFabrikamAsync();
        var teams = $"/subscriptions/{DemoData.SubscriptionIds.FabrikamTeamsAudio}";
        await page.GotoAsync(teams);
        await Assertions.Expect(page.GetByTestId("no-scheduled-changes")).ToBeVisibleAsync();
        await page.GetByTestId("change-quantity").GetByLabel("Licences").FillAsync("12");
        await page.GetByTestId("change-quantity").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await page.WaitForURLAsync("**/cart?added=1");
        var orderId = long.Parse(await page.GetByTestId("cart-order-id").InnerTextAsync());

        // The place step asks when: on renewal.
        await page.GetByLabel("On renewal of the subscriptions").CheckAsync();
        await PlaceCartAsync(page, orderId);
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "scheduled");
        await Assertions.Expect(page.GetByTestId("done")).ToContainTextAsync("It is scheduled");
        await Assertions.Expect(page.GetByTestId("schedule")).ToContainTextAsync("Scheduled: runs on renewal");
        await Assertions.Expect(page.GetByTestId("runs")).ToContainTextAsync("On renewal");
        await Assertions.Expect(page.GetByTestId("action-cancel")).ToBeVisibleAsync();

        // Recent lists it with the moment it runs.
        await page.GetByTestId("nav-orders").ClickAsync();
        await Assertions.Expect(Row(page, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "scheduled");
        await Assertions.Expect(Row(page, orderId).GetByTestId("scheduled-for")).ToBeVisibleAsync();

        await page.GotoAsync(teams);
        var change = page.GetByTestId("scheduled-change");
        await Assertions.Expect(change).ToHaveCountAsync(1);
        await Assertions.Expect(change).ToContainTextAsync($"#{orderId}");
        await Assertions.Expect(change).ToContainTextAsync("Increase licences: Microsoft Teams Audio Conferencing, 10 → 12");
        await Assertions.Expect(change).ToContainTextAsync("On renewal");

        // Cancelled behind a confirmation, it leaves the subscription's list.
        await change.GetByRole(AriaRole.Link, new() { Name = $"#{orderId}" }).ClickAsync();
        await page.GetByTestId("action-cancel").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm")).ToContainTextAsync("Cancel this order?");
        await page.GetByTestId("confirm-cancel").ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=cancelled");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "cancelled");
        await page.GotoAsync(teams);
        await Assertions.Expect(page.GetByTestId("scheduled-change")).ToHaveCountAsync(0);
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task ACustomersBigOrder_WaitsForApproval_TheSellerApprovesIt_ThenItCompletes()
    {
        // Felix, a customer user, buys 30 more E3 licences: the demo's "Big orders by customers" holds it.
        var felix = await NewPageAsync();
        await SignInAsync(felix, FabrikamCustomer);
        await felix.GotoAsync($"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        await felix.GetByTestId("change-quantity").GetByLabel("Licences").FillAsync("40");
        await felix.GetByTestId("change-quantity").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await felix.WaitForURLAsync("**/cart?added=1");
        var orderId = long.Parse(await felix.GetByTestId("cart-order-id").InnerTextAsync());
        await PlaceCartAsync(felix, orderId);
        await Assertions.Expect(OrderStatus(felix)).ToHaveAttributeAsync("data-status", "pendingApproval");
        await Assertions.Expect(felix.GetByTestId("approval")).ToContainTextAsync("Waiting for approval by a seller admin or an account manager");
        await Assertions.Expect(felix.GetByTestId("approval")).ToContainTextAsync("Big orders by customers");
        // He may withdraw it, not approve it.
        await Assertions.Expect(felix.GetByTestId("action-cancel")).ToBeVisibleAsync();
        await Assertions.Expect(felix.GetByTestId("action-approve")).ToHaveCountAsync(0);

        // Anna, the seller's admin, approves it behind a confirmation, with a comment.
        var anna = await SellerInFabrikamAsync();
        await Assertions.Expect(Row(anna, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "pendingApproval");
        await anna.GotoAsync($"/orders/{orderId}");
        await anna.GetByTestId("action-approve").ClickAsync();
        await Assertions.Expect(anna.GetByTestId("confirm")).ToContainTextAsync("Approve this order?");
        await anna.GetByTestId("approve-comment").FillAsync("Budget confirmed with Ida.");
        await anna.GetByTestId("confirm-approve").ClickAsync();
        await anna.WaitForURLAsync($"**/orders/{orderId}?done=approved");
        await Assertions.Expect(anna.GetByTestId("history")).ToContainTextAsync("Approved: Budget confirmed with Ida.");

        // The worker sends it; it completes and the subscription has the licences.
        await Assertions.Expect(OrderStatus(anna)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = ProvisioningTimeoutMs });
        await felix.GotoAsync($"/orders/{orderId}");
        await Assertions.Expect(OrderStatus(felix)).ToHaveAttributeAsync("data-status", "completed");
        await Assertions.Expect(felix.GetByTestId("history")).ToContainTextAsync("Anna Berg");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task TheSellersSettingsPage_EditsTheApprovalRules()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);
        await page.GetByTestId("nav-approval-rules").ClickAsync();
        var rules = page.GetByTestId("rule");
        await Assertions.Expect(rules).ToHaveCountAsync(2); // the demo rule and an empty row for a new one
        await Assertions.Expect(rules.First.GetByTestId("rule-name")).ToHaveValueAsync("Big orders by customers");

        var fresh = rules.Nth(1);
        await fresh.GetByTestId("rule-name").FillAsync("Decreases by account managers");
        await page.Locator("#rule-1-placed-accountManager").CheckAsync();
        await page.Locator("#rule-1-kind-decreaseQuantity").CheckAsync();
        await page.Locator("#rule-1-approver-sellerAdmin").CheckAsync();
        await page.GetByTestId("save-rules").ClickAsync();
        await Assertions.Expect(page.GetByTestId("done")).ToBeVisibleAsync();
        await Assertions.Expect(rules).ToHaveCountAsync(3);
        await Assertions.Expect(rules.Nth(1).GetByTestId("rule-name")).ToHaveValueAsync("Decreases by account managers");
        Assert.Empty(ScriptProblems);
    }
}

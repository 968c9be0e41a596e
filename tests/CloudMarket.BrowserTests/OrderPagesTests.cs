using System.Text.RegularExpressions;
using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.BrowserTests;

/// <summary>
/// The Orders pages without the provisioning worker: lists and views, live status (driven here
/// through the domain, as the worker would), placing once, errors next to fields, subscription changes.
/// </summary>
public sealed class OrderPagesTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private static readonly string[] RecentStatuses = ["started", "deleted", "provisioningStarted", "provisioningFinished", "provisioningFailed", "scheduled", "pendingApproval"];
    private static readonly string[] ActiveStatuses = ["inProgress", "completed", "completedWithErrors", "failed", "rejected", "cancelled"];

    [Fact]
    public async Task RecentAndHistoricalViews_ShowTheirStatuses_AndFilterAndSearch()
    {
        var page = await SellerInFabrikamAsync();
        await Assertions.Expect(page.GetByTestId("orders-title")).ToHaveTextAsync("Recent orders");
        Assert.All(await StatusesAsync(page), s => Assert.Contains(s, RecentStatuses));

        await page.GetByTestId("show-historical").ClickAsync();
        await Assertions.Expect(page.GetByTestId("orders-title")).ToHaveTextAsync("Historical orders");
        await Assertions.Expect(page.GetByTestId("state-active")).ToHaveAttributeAsync("aria-current", "page");
        Assert.All(await StatusesAsync(page), s => Assert.Contains(s, ActiveStatuses));

        await page.GetByTestId("state-draft").ClickAsync();
        // The next page is there before its rows are read (a count does not wait for the navigation).
        await Assertions.Expect(page.GetByTestId("state-draft")).ToHaveAttributeAsync("aria-current", "page");
        Assert.All(await StatusesAsync(page), s => Assert.Equal("draft", s));
        await Assertions.Expect(page.GetByTestId("orders")).ToContainTextAsync("Backup expansion");

        // All: every status, each row with its items, payment and totals.
        await page.GetByTestId("state-all").ClickAsync();
        await Assertions.Expect(page.GetByTestId("state-all")).ToHaveAttributeAsync("aria-current", "page");
        var all = await page.GetByTestId("order-row").CountAsync();
        Assert.True(all >= 10, $"Fabrikam's demo orders are all listed ({all}).");
        await Assertions.Expect(page.GetByTestId("order-details-row")).ToHaveCountAsync(all);
        await Assertions.Expect(page.GetByTestId("order-details-row").First).ToContainTextAsync("Total per ");

        // Search by name, then filter by status and by who created the order.
        await page.GetByLabel("Search").FillAsync("Backup");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("order-row")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("order-row")).ToContainTextAsync("Backup expansion");

        await page.GetByLabel("Search").FillAsync("");
        await page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Completed" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("[?&]status=completed"));
        Assert.All(await StatusesAsync(page), s => Assert.Equal("completed", s));

        await page.GetByLabel("Status").SelectOptionAsync(new SelectOptionValue { Label = "Any" });
        await page.GetByLabel("Created by").SelectOptionAsync(new SelectOptionValue { Label = "Felix Kohl · Fabrikam Ltd" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        // The rows are read at once: only after the filtered list has arrived.
        await page.WaitForURLAsync(new Regex("createdBy=[0-9a-f-]{36}"));
        var creators = await page.Locator("[data-testid=order-row] td:nth-child(3)").AllInnerTextsAsync();
        Assert.NotEmpty(creators);
        Assert.All(creators, c => Assert.StartsWith("Felix Kohl", c));

        // A date range in the future is an empty list with a way back; a reversed range is an error next to "From".
        await page.GotoAsync($"/orders?view=historical&state=all&from={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}");
        await Assertions.Expect(page.GetByTestId("orders-empty")).ToBeVisibleAsync();
        await page.GotoAsync("/orders?view=historical&state=all&from=2026-12-31&to=2026-01-01");
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field=from]")).ToContainTextAsync("Must not be after 'to'.");
        await Assertions.Expect(page.GetByLabel("From")).ToHaveClassAsync(new Regex("is-invalid"));
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task OrderBeingProvisioned_UpdatesInTheDetailsAndTheList_WithoutReload_OrLosingTheKeyboardsPlace()
    {
        var orderId = await PlacedOrderWithoutWorkerAsync();
        var page = await SellerInFabrikamAsync();
        await page.GotoAsync($"/orders/{orderId}");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "inProgress");
        await Assertions.Expect(page.GetByTestId("progress")).ToContainTextAsync("0 of 1 answered");
        await MarkWindowAsync(page);

        await AdvanceAsync(orderId, (order, _, now) => { order.StartProvisioning(now); return Task.CompletedTask; });
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "provisioningStarted");
        await Assertions.Expect(page.GetByTestId("item-status")).ToHaveAttributeAsync("data-status", "provisioningStarted");

        // The Recent list follows the same order.
        var list = await NewPageAsync();
        await SignInAsync(list, SellerAdmin);
        await ActOnBehalfAsync(list, Fabrikam);
        await Assertions.Expect(Row(list, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "provisioningStarted");
        await MarkWindowAsync(list);
        // A keyboard user's place in the list outlives the update: the row's note form opened, the focus on its link.
        await Row(list, orderId).GetByText("Add note").ClickAsync();
        await Row(list, orderId).GetByTestId("order-link").FocusAsync();

        await AdvanceAsync(orderId, (order, _, now) =>
        {
            order.RecordItemProvisioned(order.Items[0].Id, "live-test", now);
            return Task.CompletedTask;
        });
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "provisioningFinished");
        await Assertions.Expect(page.GetByTestId("progress")).ToContainTextAsync("1 of 1 answered");
        await Assertions.Expect(Row(list, orderId).GetByTestId("order-status")).ToHaveAttributeAsync("data-status", "provisioningFinished");
        Assert.True(await Row(list, orderId).EvaluateAsync<bool>("row => row.contains(document.activeElement) && document.activeElement.matches('[data-testid=order-link]')"),
            "The focus left the order's link when the list was updated.");
        await Assertions.Expect(Row(list, orderId).GetByTestId("note-form")).ToBeVisibleAsync();

        await AdvanceAsync(orderId, (order, db, now) => OrderCompletion.CompleteAsync(db, order, now, default));
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "completed");
        await Assertions.Expect(page.GetByTestId("progress")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Subscriptions updated.");
        // Completed orders belong to Historical: the Recent list lets it go.
        await Assertions.Expect(Row(list, orderId)).ToHaveCountAsync(0);

        Assert.True(await WasNotReloadedAsync(page), "The order page was never reloaded.");
        Assert.True(await WasNotReloadedAsync(list), "The list was never reloaded.");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task PlaceOrder_DoubleClickedAndPostedAgain_PlacesOnce()
    {
        var page = await SellerInFabrikamAsync();
        var orderId = await AddOfferToCartAsync(page, "Bitdefender GravityZone Business Security", 3, "it@fabrikam.example");
        var fields = await page.GetByTestId("place-form").EvaluateAsync<Dictionary<string, string>>("f => Object.fromEntries(new FormData(f))");
        Assert.StartsWith("page-", fields["Form.IdempotencyKey"]);

        await page.GetByLabel("I accept the terms of purchase", new() { Exact = false }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).DblClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=placed");
        Assert.Equal(1, await PlacementsAsync(orderId));

        // The same form posted again (a reload, a second tab): the same answer, and still one placement.
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        form.Set("Form.AcceptTerms", "true");
        var again = await page.APIRequest.PostAsync("/cart", new APIRequestContextOptions { Form = form });
        Assert.True(again.Ok, $"HTTP {again.Status}");
        Assert.EndsWith($"/orders/{orderId}?done=placed", again.Url);
        Assert.Equal(1, await PlacementsAsync(orderId));
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task CatalogForm_ShowsTheDomainsErrorsNextToTheFields_AndKeepsWhatWasTyped()
    {
        var page = await SellerInFabrikamAsync();
        await page.GotoAsync("/catalog");
        await page.GetByRole(AriaRole.Link, new() { Name = "Buy Microsoft 365 Business Standard", Exact = true }).ClickAsync();
        await page.GetByLabel("Quantity").FillAsync("5");
        await page.GetByLabel("E-mail").FillAsync("it@fabrikam");
        // The form comes filled with the contact Fabrikam already uses; a missing first name is refused.
        await page.GetByLabel("First name").FillAsync("");
        await page.GetByLabel("Last name").FillAsync("Lund");
        await page.GetByLabel("Microsoft tenant name").FillAsync("not a tenant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field='adminContact.email']")).ToContainTextAsync("A valid e-mail address is required.");
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field='adminContact.firstName']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field=tenantName]")).ToContainTextAsync("onmicrosoft.com");
        await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveClassAsync(new Regex("is-invalid"));
        await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveValueAsync("it@fabrikam");
        await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveAttributeAsync("aria-describedby", "email-error");
        await Assertions.Expect(page.GetByLabel("Last name")).ToHaveValueAsync("Lund");

        // Nothing was added to a cart.
        await page.GetByTestId("nav-cart").ClickAsync();
        await Assertions.Expect(page.GetByTestId("cart-empty")).ToBeVisibleAsync();
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task SubscriptionChanges_EachBecomeACartItem_WhichCanBeEditedRemovedAndSavedAsDraft()
    {
        var page = await SellerInFabrikamAsync();
        var e3 = $"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}";
        await page.GotoAsync(e3);
        await Assertions.Expect(page.GetByTestId("cancellation-window")).ToContainTextAsync("Licences can no longer be decreased: the cancellation window closed on");
        await page.GetByTestId("change-quantity").GetByLabel("Licences").FillAsync("12");
        await page.GetByTestId("change-quantity").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await page.WaitForURLAsync("**/cart?added=1");
        await Assertions.Expect(page.GetByTestId("cart-item")).ToContainTextAsync("Increase licences: Microsoft 365 E3, 10 → 12");
        var orderId = long.Parse(await page.GetByTestId("cart-order-id").InnerTextAsync());

        await page.GotoAsync(e3);
        await page.GetByTestId("change-markup").GetByLabel("Markup %").FillAsync("18");
        await page.GetByTestId("change-markup").GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await page.GotoAsync(e3);
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn auto-renew off" }).ClickAsync();
        await page.GotoAsync(e3);
        await page.GetByTestId("change-status").GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        await page.WaitForURLAsync("**/cart?added=1");

        var items = page.GetByTestId("cart-item");
        await Assertions.Expect(items).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByTestId("cart-order-id")).ToHaveTextAsync(orderId.ToString());
        await Assertions.Expect(items.Nth(1)).ToContainTextAsync("Markup change: Microsoft 365 E3, 15% → 18%");
        await Assertions.Expect(items.Nth(2)).ToContainTextAsync("Auto-renewal disabled: Microsoft 365 E3");
        await Assertions.Expect(items.Nth(3)).ToContainTextAsync("Suspend: Microsoft 365 E3");

        // Edit: 9 licences would turn the increase into a decrease, which E3's closed cancellation
        // window refuses next to the field, with its deadline; 11 is taken. Then remove the suspension.
        await items.Nth(0).GetByLabel("New quantity").FillAsync("9");
        await items.Nth(0).GetByRole(AriaRole.Button, new() { Name = "Update item" }).ClickAsync();
        await Assertions.Expect(items.Nth(0).Locator("[data-testid=field-error][data-field=quantity]"))
            .ToContainTextAsync(new Regex(@"Licences can be decreased only until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, 7 days after the purchase or the last renewal\."));
        await Assertions.Expect(items.Nth(0)).ToContainTextAsync("Increase licences: Microsoft 365 E3, 10 → 12");
        await items.Nth(0).GetByLabel("New quantity").FillAsync("11");
        await items.Nth(0).GetByRole(AriaRole.Button, new() { Name = "Update item" }).ClickAsync();
        await Assertions.Expect(items.Nth(0)).ToContainTextAsync("Increase licences: Microsoft 365 E3, 10 → 11");
        await items.Nth(3).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(items).ToHaveCountAsync(3);

        await page.GetByRole(AriaRole.Button, new() { Name = "Save as draft" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=draft");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "draft");

        // A customer admin may change the subscription, but never its markup.
        var customer = await NewPageAsync();
        await SignInAsync(customer, CustomerAdmin);
        await customer.GotoAsync(e3);
        await Assertions.Expect(customer.GetByTestId("change-quantity")).ToBeVisibleAsync();
        await Assertions.Expect(customer.GetByTestId("change-markup")).ToHaveCountAsync(0);
        Assert.DoesNotContain("Markup", await customer.Locator("main").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task Cart_IsRenamed_AndPaidByCard_WithABadCardNumberShownNextToItsField()
    {
        var page = await SellerInFabrikamAsync();
        var orderId = await AddOfferToCartAsync(page, "Acronis Cyber Protect Standard", 2, "it@fabrikam.example");

        await page.GetByLabel("Order name", new() { Exact = false }).FillAsync("Renamed for Q4");
        await page.GetByTestId("rename-form").GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Order name", new() { Exact = false })).ToHaveValueAsync("Renamed for Q4");

        var payment = page.GetByTestId("payment-form");
        await payment.GetByLabel("Card", new() { Exact = true }).CheckAsync();
        await payment.GetByLabel("Card brand").FillAsync("Visa");
        await payment.GetByLabel("Last 4 digits").FillAsync("12a4");
        await payment.GetByRole(AriaRole.Button, new() { Name = "Save payment" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field=cardLast4]")).ToContainTextAsync("last four digits");

        await payment.GetByLabel("Card", new() { Exact = true }).CheckAsync();
        await payment.GetByLabel("Card brand").FillAsync("Visa");
        await payment.GetByLabel("Last 4 digits").FillAsync("4242");
        await payment.GetByRole(AriaRole.Button, new() { Name = "Save payment" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=field-error]")).ToHaveCountAsync(0);

        // The order's details show both; then the cart is set aside as a draft for the other tests.
        await page.GotoAsync($"/orders/{orderId}");
        await Assertions.Expect(page.GetByTestId("order-name")).ToHaveTextAsync("Renamed for Q4");
        await Assertions.Expect(page.GetByTestId("payment")).ToContainTextAsync("Card Visa •••• 4242");
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Renamed to \"Renamed for Q4\".");
        await page.GotoAsync("/cart");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as draft" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=draft");
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task PlacingWithACardTypedButNotSaved_PaysByThatCard_OrRefusesItNextToItsField()
    {
        var page = await SellerInFabrikamAsync();
        var orderId = await AddOfferToCartAsync(page, "Acronis Cyber Protect Standard", 1, "it@fabrikam.example");
        var payment = page.GetByTestId("payment-form");
        var terms = page.GetByLabel("I accept the terms of purchase", new() { Exact = false });
        var place = page.GetByRole(AriaRole.Button, new() { Name = "Place order" });

        // "Save payment" is not pressed: the card goes with "Place order".
        await payment.GetByLabel("Card", new() { Exact = true }).CheckAsync();
        await payment.GetByLabel("Card brand").FillAsync("Visa");
        await payment.GetByLabel("Last 4 digits").FillAsync("42x2");
        await terms.CheckAsync();
        await place.ClickAsync();

        // A bad card is refused next to its field, with what was typed kept, and nothing is placed.
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field=cardLast4]")).ToContainTextAsync("The last four digits of the card.");
        await Assertions.Expect(payment.GetByLabel("Card", new() { Exact = true })).ToBeCheckedAsync();
        await Assertions.Expect(payment.GetByLabel("Card brand")).ToHaveValueAsync("Visa");
        await Assertions.Expect(payment.GetByLabel("Last 4 digits")).ToHaveValueAsync("42x2");
        Assert.Equal(0, await PlacementsAsync(orderId));

        await payment.GetByLabel("Last 4 digits").FillAsync("4242");
        await terms.CheckAsync();
        await place.ClickAsync();

        await page.WaitForURLAsync($"**/orders/{orderId}?done=placed");
        await Assertions.Expect(page.GetByTestId("payment")).ToContainTextAsync("Card Visa •••• 4242");
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Payment by card Visa •••• 4242.");
        Assert.Equal(1, await PlacementsAsync(orderId));
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task LiveStatus_StopsFollowingAnOrderThatDoesNotMove_SaysSo_AndOffersARefresh()
    {
        var orderId = await SellerOrderOfItsOwnAsync("Stuck before the vendor",
            new OrderItemRequest(OrderItemKind.ChangeAutoRenew, SubscriptionId: DemoData.SubscriptionIds.FabrikamBitdefender, AutoRenew: false),
            (order, who, now) => order.Place(who, now));
        var page = await SellerInFabrikamAsync();
        // The page's idle limit and interval, made short here so that the test does not wait two minutes.
        await page.RouteAsync($"**/orders/{orderId}", async route =>
        {
            var response = await route.FetchAsync();
            var html = (await response.TextAsync())
                .Replace("data-live-idle-ms=\"120000\"", "data-live-idle-ms=\"1000\"")
                .Replace("data-live-interval=\"1500\"", "data-live-interval=\"100\"");
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = html });
        });
        var polls = 0;
        page.Request += (_, request) => { if (request.Url.Contains("/orders/live")) Interlocked.Increment(ref polls); };

        await page.GotoAsync($"/orders/{orderId}");
        await Assertions.Expect(page.GetByTestId("waiting-since")).ToContainTextAsync("Waiting to be sent to the vendors since");
        await Assertions.Expect(page.GetByTestId("live-paused")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("live-paused")).ToContainTextAsync("Live updates paused: nothing changed for 2 minutes.");
        await Assertions.Expect(page.Locator("#order-live")).ToHaveAttributeAsync("data-live-state", "paused");
        Assert.True(polls > 0, "The page followed the order before it paused.");

        // The order moves on; the paused page shows it once refreshed.
        await AdvanceAsync(orderId, (order, _, now) => { order.StartProvisioning(now); return Task.CompletedTask; });
        await page.GetByTestId("live-refresh").ClickAsync();
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "provisioningStarted");
        await Assertions.Expect(page.GetByTestId("waiting-since")).ToContainTextAsync("Waiting for the vendor since");

        // Settled, so the demo's lists hold no order in flight for the other tests.
        await AdvanceAsync(orderId, async (order, db, now) =>
        {
            order.RecordItemProvisioned(order.Items[0].Id, "paused-test", now);
            await OrderCompletion.CompleteAsync(db, order, now, default);
        });
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task DeletingADraft_AsksForConfirmationFirst()
    {
        // A draft of its own: the demo's drafts are what the views test looks for.
        var draftId = await DraftOfItsOwnAsync();
        var page = await SellerInFabrikamAsync();
        await page.GotoAsync($"/orders/{draftId}");
        await page.GetByTestId("action-delete").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm")).ToContainTextAsync("Delete this order?");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "draft");

        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm")).ToHaveCountAsync(0);
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "draft");

        await page.GetByTestId("action-delete").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete order" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{draftId}?done=deleted");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "deleted");
        await Assertions.Expect(page.GetByTestId("action-delete")).ToHaveCountAsync(0);
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task RetryOfARejectedItem_ShowsErrorsNextToTheCorrection_ThenSendsTheItemAgain()
    {
        // The demo's provisioningFailed order: a Microsoft tenant name the vendor said was taken.
        var failedId = await OrderIdAsync(o => o.CustomerId == DemoData.Fabrikam && o.Status == Features.Orders.OrderStatus.ProvisioningFailed);
        var page = await SellerInFabrikamAsync();
        await page.GotoAsync($"/orders/{failedId}");
        await Assertions.Expect(page.GetByTestId("item-error")).ToContainTextAsync("DomainAlreadyExists");

        await page.GetByRole(AriaRole.Link, new() { Name = "Correct and retry…" }).ClickAsync();
        await page.GetByLabel("Microsoft tenant name").FillAsync("not a tenant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry rejected items" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=field-error][data-field='items[0].tenantName']")).ToContainTextAsync("onmicrosoft.com");
        await Assertions.Expect(OrderStatus(page)).ToHaveAttributeAsync("data-status", "provisioningFailed");

        await page.GetByLabel("Microsoft tenant name").FillAsync("fabrikamnew.onmicrosoft.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry rejected items" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{failedId}?done=retried");
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Retry of 1 failed item(s).");
        await Assertions.Expect(page.GetByTestId("order-items")).ToContainTextAsync("Tenant: fabrikamnew.onmicrosoft.com");
        Assert.Empty(ScriptProblems);
    }

    private static async Task<List<string>> StatusesAsync(IPage page) =>
        [.. await page.Locator("[data-testid=order-row] [data-testid=order-status]").EvaluateAllAsync<string[]>("b => b.map(x => x.dataset.status)")];

    private Task<int> PlacementsAsync(long orderId) =>
        App.WithDbAsync(db => db.OrderEvents.CountAsync(e => e.OrderId == orderId && e.ToStatus == Features.Orders.OrderStatus.InProgress));

    /// <summary>
    /// An order placed through the domain but without an outbox row, so no worker takes it: the test
    /// moves it on itself, as the worker would, and watches the pages follow.
    /// </summary>
    private Task<long> PlacedOrderWithoutWorkerAsync() => SellerOrderOfItsOwnAsync("Live status check",
        new OrderItemRequest(OrderItemKind.IncreaseQuantity, SubscriptionId: DemoData.SubscriptionIds.FabrikamBitdefender, Quantity: 45),
        (order, who, now) => order.Place(who, now));

    private Task<long> DraftOfItsOwnAsync() => SellerOrderOfItsOwnAsync("Draft to delete",
        new OrderItemRequest(OrderItemKind.ChangeAutoRenew, SubscriptionId: DemoData.SubscriptionIds.FabrikamBitdefender, AutoRenew: true),
        (order, who, now) => order.SaveAsDraft(who, now));

    /// <summary>An order of the seller admin for Fabrikam with one item, moved on by <paramref name="then"/>, written straight through the domain.</summary>
    private Task<long> SellerOrderOfItsOwnAsync(string name, OrderItemRequest item, Action<Order, EventActor, DateTime> then) => App.WithDbAsync(async db =>
    {
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == SellerAdmin);
        var actor = new Actor(user.Id, user.FullName, user.Email!, DemoData.Contoso, "Contoso Cloud", OrganizationType.Seller, [Role.SellerAdmin]);
        var customer = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == DemoData.Fabrikam);
        var ctx = new CustomerContext(actor, customer, await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == DemoData.Contoso));
        var now = DateTime.UtcNow;
        var validator = await OrderValidator.LoadAsync(db, ctx, [item], now, default);
        var who = OrderCommands.EventActorOf(ctx);
        var order = Order.CreateCart(customer, who, OrganizationType.Seller, name, now);
        order.AddItem(validator.Resolve(item), who, now);
        then(order, who, now);
        db.Orders.Add(order);
        await db.SaveChangesAsync();
        return order.Id;
    });

    private Task AdvanceAsync(long orderId, Func<Order, AppDbContext, DateTime, Task> step) => App.WithDbAsync(async db =>
    {
        var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == orderId);
        await step(order, db, DateTime.UtcNow);
        await db.SaveChangesAsync();
        return 0;
    });
}

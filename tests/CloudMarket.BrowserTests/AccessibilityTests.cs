using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Deque.AxeCore.Playwright;

namespace CloudMarket.BrowserTests;

/// <summary>
/// axe-core on every page, as each role that sees it: no serious or critical violation (issue 14). At the
/// desktop width and at a phone's, since the stacked layouts are different markup for axe's contrast and
/// target checks.
/// </summary>
public sealed class AccessibilityTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private const string DistributorAdmin = "distributor.admin@northwind.example";

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task EveryPage_AsTheRolesThatSeeIt_HasNoSeriousOrCriticalViolation(int width, int height)
    {
        var failed = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.ProvisioningFailed && o.CustomerId == DemoData.Fabrikam);
        var completed = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.Completed && o.CustomerId == DemoData.Fabrikam);
        var pending = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.PendingApproval && o.CustomerId == DemoData.Fabrikam);
        var scheduled = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.Scheduled && o.CustomerId == DemoData.Fabrikam);
        var problems = new List<string>();

        var anonymous = await NewPageAsync(width, height);
        await CheckAsync(anonymous, "/signin", problems);

        var seller = await NewPageAsync(width, height);
        await SignInAsync(seller, SellerAdmin);
        foreach (var path in new[] { "/attention", "/approval-rules", "/select-organization", "/account", "/account/password", "/notifications", "/users", "/webhooks",
                     $"/users/{DemoData.IdFor("user:account.manager@contoso.example")}" })
            await CheckAsync(seller, path, problems);
        await ActOnBehalfAsync(seller, Fabrikam);
        await AddOfferToCartAsync(seller, "Acronis Cyber Protect Standard", 2, "it@fabrikam.example");
        foreach (var path in new[]
                 {
                     "/orders", "/orders?view=historical", "/orders?view=historical&state=draft", "/orders?view=historical&state=all",
                     "/orders?q=no-such-order", $"/orders/{failed}", $"/orders/{failed}?confirm=retry", $"/orders/{completed}",
                     "/cart", "/catalog", "/catalog?vendor=acronis", "/catalog/ms-365-business-standard", "/subscriptions",
                     $"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}", "/orders/999999999", $"/orders/{pending}", $"/orders/{scheduled}",
                 })
            await CheckAsync(seller, path, problems);

        var customer = await NewPageAsync(width, height);
        await SignInAsync(customer, CustomerAdmin);
        foreach (var path in new[] { "/orders?view=historical&state=all", $"/orders/{failed}", $"/orders/{pending}", "/approval-rules", "/subscriptions", "/users",
                     $"/users/{DemoData.IdFor("user:" + FabrikamCustomer)}?confirm=deactivate" })
            await CheckAsync(customer, path, problems);

        var distributor = await NewPageAsync(width, height);
        await SignInAsync(distributor, DistributorAdmin);
        foreach (var path in new[] { "/select-organization", "/sent-emails", "/webhooks" })
            await CheckAsync(distributor, path, problems);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Empty(ScriptProblems);
    }

    /// <summary>Opens the page and lists axe's serious and critical violations, each with where it is.</summary>
    private static async Task CheckAsync(IPage page, string path, List<string> problems)
    {
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var result = await page.RunAxe();
        foreach (var v in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            problems.Add($"{path} ({page.ViewportSize?.Width}px): {v.Impact} {v.Id}: {v.Help} at " +
                         string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html?.Replace('\n', ' ')}")));
    }
}

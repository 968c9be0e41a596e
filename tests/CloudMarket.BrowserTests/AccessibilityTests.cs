using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Deque.AxeCore.Playwright;

namespace CloudMarket.BrowserTests;

/// <summary>
/// axe-core on every page, as each role that sees it: no serious or critical violation (issue 14). At the
/// desktop width and at a phone's: the stacked layouts (CSS media queries in app.css) change what axe's contrast and
/// target checks measure, so each page is checked at both, resized in place.
/// </summary>
public sealed class AccessibilityTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private const string DistributorAdmin = "distributor.admin@northwind.example";
    private static readonly (int Width, int Height)[] Widths = [(1280, 900), (390, 844)];

    [Fact]
    public async Task EveryPage_AsTheRolesThatSeeIt_AtADesktopsAndAPhonesWidth_HasNoSeriousOrCriticalViolation()
    {
        var failed = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.ProvisioningFailed && o.CustomerId == DemoData.Fabrikam);
        var completed = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.Completed && o.CustomerId == DemoData.Fabrikam);
        var pending = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.PendingApproval && o.CustomerId == DemoData.Fabrikam);
        var scheduled = await OrderIdAsync(o => o.Status == Features.Orders.OrderStatus.Scheduled && o.CustomerId == DemoData.Fabrikam);
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Each caller in a browser context of its own, opened one after the other; then their checks run side by side
        // (axe and the layouts run in Chromium's renderer processes: two callers at once keep both cores busy). The seller's
        // Customer View of Fabrikam, the most pages, is split between two contexts.
        var anonymous = await NewPageAsync();
        var seller = await NewPageAsync();
        var sellersOrders = await NewPageAsync();
        var sellersShop = await NewPageAsync();
        var customer = await NewPageAsync();
        var distributor = await NewPageAsync();
        static async Task InFabrikamAsync(IPage page)
        {
            await SignInAsync(page, SellerAdmin);
            await ActOnBehalfAsync(page, Fabrikam);
        }
        await Task.WhenAll(
            CheckAsync(anonymous, _ => Task.CompletedTask, ["/signin"], problems),
            CheckAsync(seller, page => SignInAsync(page, SellerAdmin),
                ["/attention", "/approval-rules", "/select-organization", "/account", "/account/password", "/notifications", "/users", "/webhooks",
                 $"/users/{DemoData.IdFor("user:account.manager@contoso.example")}"], problems),
            CheckAsync(sellersOrders, InFabrikamAsync,
                [
                    "/orders", "/orders?view=historical", "/orders?view=historical&state=draft", "/orders?view=historical&state=all",
                    "/orders?q=no-such-order", $"/orders/{failed}", $"/orders/{failed}?confirm=retry", $"/orders/{completed}",
                    "/orders/999999999", $"/orders/{pending}", $"/orders/{scheduled}",
                ], problems),
            CheckAsync(sellersShop, async page =>
                {
                    await InFabrikamAsync(page);
                    await AddOfferToCartAsync(page, "Acronis Cyber Protect Standard", 2, "it@fabrikam.example");
                },
                ["/cart", "/catalog", "/catalog?vendor=acronis", "/catalog/ms-365-business-standard", "/subscriptions",
                 $"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}"], problems),
            CheckAsync(customer, page => SignInAsync(page, CustomerAdmin),
                ["/orders?view=historical&state=all", $"/orders/{failed}", $"/orders/{pending}", "/approval-rules", "/subscriptions", "/users",
                 $"/users/{DemoData.IdFor("user:" + FabrikamCustomer)}?confirm=deactivate"], problems),
            CheckAsync(distributor, page => SignInAsync(page, DistributorAdmin), ["/select-organization", "/sent-emails", "/webhooks"], problems));

        Assert.True(problems.IsEmpty, string.Join("\n", problems));
        Assert.Empty(ScriptProblems);
    }

    /// <summary>Brings the caller where the pages need it (signed in, acting on behalf…), then checks each page in turn.</summary>
    private static async Task CheckAsync(IPage page, Func<IPage, Task> prepare, string[] paths,
        System.Collections.Concurrent.ConcurrentQueue<string> problems)
    {
        await prepare(page);
        foreach (var path in paths)
            await CheckAsync(page, path, problems);
    }

    /// <summary>Opens the page and lists axe's serious and critical violations at each width, each with where it is.</summary>
    private static async Task CheckAsync(IPage page, string path, System.Collections.Concurrent.ConcurrentQueue<string> problems)
    {
        await page.SetViewportSizeAsync(Widths[0].Width, Widths[0].Height);
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        foreach (var (width, height) in Widths)
        {
            await page.SetViewportSizeAsync(width, height);
            var result = await page.RunAxe();
            foreach (var v in result.Violations.Where(v => v.Impact is "serious" or "critical"))
                problems.Enqueue($"{path} ({width}px): {v.Impact} {v.Id}: {v.Help} at " +
                                 string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html?.Replace('\n', ' ')}")));
        }
    }
}

using System.Text.RegularExpressions;
using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;

[assembly: AssemblyFixture(typeof(Chromium))]
// One Chromium and one server at a time: the machines are small and the pages are timed by a person's patience, not ours.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CloudMarket.BrowserTests.Infrastructure;

/// <summary>
/// A browser test: fresh browser contexts (cookies) per test on the class's own server, helpers
/// that act as a person does (labels, buttons, links), and a screenshot of every page when a test fails.
/// </summary>
public abstract partial class BrowserTest(AppServer app, Chromium chromium) : IAsyncLifetime
{
    public const string Password = "Demo123!";
    public const string SellerAdmin = "seller.admin@contoso.example";
    public const string CustomerAdmin = "customer.admin@fabrikam.example";
    public const string FabrikamCustomer = "customer@fabrikam.example";
    public const string Fabrikam = "Fabrikam Ltd";

    /// <summary>How long a test waits for the provisioning worker to finish an order.</summary>
    protected const float ProvisioningTimeoutMs = 60_000;

    protected AppServer App => app;

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<IPage> _pages = [];

    /// <summary>Script errors and Content-Security-Policy violations seen by any page of the test.</summary>
    protected List<string> ScriptProblems { get; } = [];

    protected async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        // Generous: CI machines have two shared cores; a slow answer is not what these tests judge.
        context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(15_000);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => ScriptProblems.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                ScriptProblems.Add(message.Text);
        };
        _pages.Add(page);
        return page;
    }

    protected static async Task SignInAsync(IPage page, string email, string password = Password)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin"));
    }

    /// <summary>Select organization → "Act on behalf" of the customer: its Customer View opens on Recent orders.</summary>
    protected static async Task ActOnBehalfAsync(IPage page, string customer)
    {
        await page.GotoAsync("/select-organization");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Act on behalf of {customer}" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/orders"));
    }

    protected async Task<IPage> SellerInFabrikamAsync()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);
        await ActOnBehalfAsync(page, Fabrikam);
        return page;
    }

    /// <summary>Catalog → the offer's page → fill the form → "Add to cart"; answers the cart's order id.</summary>
    protected static async Task<long> AddOfferToCartAsync(IPage page, string offerName, int quantity, string adminEmail, string? tenant = null)
    {
        await page.GotoAsync("/catalog");
        await page.GetByRole(AriaRole.Link, new() { Name = $"Buy {offerName}", Exact = true }).ClickAsync();
        await page.GetByLabel("Quantity").FillAsync(quantity.ToString());
        await page.GetByLabel("E-mail").FillAsync(adminEmail);
        await page.GetByLabel("First name").FillAsync("Ida");
        await page.GetByLabel("Last name").FillAsync("Lund");
        if (tenant is not null)
            await page.GetByLabel("Microsoft tenant name").FillAsync(tenant);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await page.WaitForURLAsync("**/cart?added=1");
        return long.Parse(await page.GetByTestId("cart-order-id").InnerTextAsync());
    }

    /// <summary>On the cart: accept the terms and place; lands on the order's page.</summary>
    protected static async Task PlaceCartAsync(IPage page, long orderId)
    {
        await page.GetByLabel("I accept the terms of purchase", new() { Exact = false }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
        await page.WaitForURLAsync($"**/orders/{orderId}?done=placed");
    }

    protected static ILocator OrderStatus(IPage page) => page.Locator("#order-live [data-testid=order-status]");

    protected static ILocator Row(IPage page, long orderId) => page.Locator($"[data-testid=order-row][data-order-id='{orderId}']");

    protected static async Task<List<long>> RowIdsAsync(IPage page) =>
        (await page.Locator("[data-testid=order-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.orderId)"))
        .Select(long.Parse).ToList();

    /// <summary>Marks the page's window; the mark survives only as long as the page is never reloaded.</summary>
    protected static Task MarkWindowAsync(IPage page) => page.EvaluateAsync("() => { window.__notReloaded = true; }");

    protected static async Task<bool> WasNotReloadedAsync(IPage page) => await page.EvaluateAsync<bool>("() => window.__notReloaded === true");

    /// <summary>Clicks the export link and reads the downloaded CSV.</summary>
    protected static async Task<string> DownloadCsvAsync(IPage page)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var path = await download.PathAsync();
        return await File.ReadAllTextAsync(path);
    }

    /// <summary>The order ids of a CSV export (first column, after the header).</summary>
    protected static List<long> CsvIds(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => long.Parse(l.Split(',')[0])).ToList();

    protected Task<long> OrderIdAsync(Func<Order, bool> match) =>
        app.WithDbAsync(async db => (await db.Orders.AsNoTracking().ToListAsync()).Where(match).Select(o => o.Id).First());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
            await SaveFailureScreenshotsAsync();
        foreach (var context in _contexts)
            await context.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Screenshots of a failed test's pages, for whoever reads the failure.</summary>
    private async Task SaveFailureScreenshotsAsync()
    {
        var folder = Environment.GetEnvironmentVariable("CLOUDMARKET_BROWSER_ARTIFACTS") is { Length: > 0 } f
            ? f : Path.Combine(Path.GetTempPath(), "cloudmarket-browser-failures");
        Directory.CreateDirectory(folder);
        var name = SafeName().Replace(TestContext.Current.Test?.TestDisplayName ?? "test", "_");
        for (var i = 0; i < _pages.Count; i++)
        {
            try
            {
                var file = Path.Combine(folder, $"{name}-{i}.png");
                await _pages[i].ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
                TestContext.Current.SendDiagnosticMessage($"Screenshot of page {i}: {file} ({_pages[i].Url})");
            }
            catch (PlaywrightException) { }
        }
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex SafeName();
}

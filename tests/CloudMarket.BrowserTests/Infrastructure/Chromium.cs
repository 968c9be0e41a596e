namespace CloudMarket.BrowserTests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright, launched once for the whole assembly. Playwright's own
/// browser download is never used. Without Chromium every browser test fails with this message:
/// the suite is never silently skipped.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string PathVariable = "CLOUDMARKET_CHROMIUM";
    public const string DefaultPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } p ? p : DefaultPath;
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {path}. Install Debian's package (apt-get install chromium) or run ./test.sh, " +
                $"which installs it; set {PathVariable} to use a Chromium elsewhere.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

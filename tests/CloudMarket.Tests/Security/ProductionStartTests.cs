using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Security;

/// <summary>
/// The built app started as its own process in environment Production, as an operator starts the
/// published build: what it says when settings are missing, and when it runs.
/// </summary>
public sealed partial class ProductionStartTests : IDisposable
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"cloudmarket-prodstart-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task WithoutVendorsCertificateOrDemoPassword_RefusesToStart_WithOneLineNamingEachMissingSetting_AndTouchesNoDatabase()
    {
        var (exitCode, output) = await AppProcess.RunUntilExitAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={_database}",
            ["Demo:Seed"] = "true",
        }, "Production");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("cannot start", StringComparison.Ordinal));
        foreach (var setting in new[]
                 {
                     "Vendors:Microsoft:BaseUrl", "Vendors:Microsoft:ApiKey", "Vendors:Generic:BaseUrl", "Vendors:Generic:ApiKey",
                     "VendorSandbox:InProcess=true", "DataProtection:CertificatePath", "Demo:Password",
                 })
            Assert.Contains(setting, line);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotMatch(StackFrame(), output);
        Assert.False(File.Exists(_database), "Nothing may be migrated or seeded before the settings are known to be right.");
    }

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [Fact]
    public async Task WithTheSandboxAndTheDemoTurnedOnExplicitly_StartsSeeded_AndItsOwnAddressIsTheLineThatStandsOut()
    {
        using var certificate = TestCertificate.Pfx();
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={_database}",
            ["DataProtection:CertificatePath"] = certificate.Path,
            ["DataProtection:CertificatePassword"] = TestCertificate.Password,
            ["VendorSandbox:InProcess"] = "true",
            ["Demo:Seed"] = "true",
            ["Demo:Password"] = "Chosen-By-The-Operator-1",
            ["Logging:LogLevel:Default"] = "Information",
        }, "Production");

        var appAddress = app.Address.ToString().TrimEnd('/');
        await WaitForAsync(() => app.Output.Contains("CloudMarket is running at"));
        Assert.Contains($"CloudMarket is running at {appAddress} — sign in as seller.admin@contoso.example / Chosen-By-The-Operator-1", app.Output);
        // One "Now listening on", the app's own; the sandbox says what it is.
        var listening = Assert.Single(app.Output.Split('\n'), l => l.Contains("Now listening on", StringComparison.Ordinal));
        Assert.Contains(appAddress, listening);
        Assert.Contains("Vendor sandbox (in-process, called by the provisioning worker only) listening on http://127.0.0.1:", app.Output);

        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.Address };
        // Production enforces HTTPS: plain HTTP is redirected, the loopback proxy's X-Forwarded-Proto is believed.
        Assert.Equal(HttpStatusCode.TemporaryRedirect, (await client.GetAsync("signin")).StatusCode);
        var token = new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/token")
        {
            Content = JsonContent.Create(new { email = Demo.SellerAdmin, password = "Chosen-By-The-Operator-1" }),
        };
        token.Headers.Add("X-Forwarded-Proto", "https");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(token)).StatusCode);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(50);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _database, _database + "-wal", _database + "-shm" })
            File.Delete(f);
    }
}

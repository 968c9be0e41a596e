using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Provisioning;
using CloudMarket.VendorSandbox;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudMarket.Tests.Security;

/// <summary>
/// The start-up rules one by one (no app): which settings a deployment must give, and the message that
/// names them. <see cref="ProductionStartTests"/> shows the app refusing to start on them.
/// </summary>
public sealed class StartupSettingsTests
{
    private static ValidateOptionsResult ValidateVendors(VendorOptions vendors, bool inProcessSandbox = false, bool worker = true) =>
        new VendorOptionsValidator(Options.Create(new VendorSandboxOptions { InProcess = inProcessSandbox }),
            Options.Create(new ProvisioningOptions { WorkerEnabled = worker })).Validate(null, vendors);

    [Fact]
    public void Vendors_NotConfigured_WithoutTheSandbox_NameEverySettingThatIsMissing()
    {
        var result = ValidateVendors(new VendorOptions());
        Assert.True(result.Failed);
        Assert.Equal("Vendors are not configured: set Vendors:Microsoft:BaseUrl, Vendors:Microsoft:ApiKey, Vendors:Generic:BaseUrl, Vendors:Generic:ApiKey, " +
                     "or VendorSandbox:InProcess=true to send every order to the built-in vendor sandbox.", result.FailureMessage);
    }

    [Fact]
    public void Vendors_WithAnEndpointButNoKey_OrAnEndpointThatIsNoUrl_AreRefused()
    {
        var result = ValidateVendors(new VendorOptions
        {
            Microsoft = new() { BaseUrl = "https://api.partnercenter.microsoft.com/", ApiKey = "secret" },
            Generic = new() { BaseUrl = "ftp://vendor.example" },
        });
        Assert.True(result.Failed);
        Assert.Contains("Vendors:Generic:BaseUrl (ftp://vendor.example) is not an http(s) URL.", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("Vendors are not configured: set Vendors:Generic:ApiKey"));
        Assert.DoesNotContain("Microsoft", result.FailureMessage);
    }

    [Fact]
    public void Vendors_AreSatisfiedByEndpointsWithKeys_OrTheInProcessSandbox_OrAnInstanceWithoutTheWorker()
    {
        var configured = new VendorOptions
        {
            Microsoft = new() { BaseUrl = "https://api.partnercenter.microsoft.com/", ApiKey = "k1" },
            Generic = new() { BaseUrl = "https://vendor.example/api/", ApiKey = "k2" },
        };
        Assert.True(ValidateVendors(configured).Succeeded);
        Assert.True(ValidateVendors(new VendorOptions(), inProcessSandbox: true).Succeeded);
        Assert.True(ValidateVendors(new VendorOptions(), worker: false).Succeeded);
    }

    [Fact]
    public void NoSecretHasABuiltInValue()
    {
        Assert.Null(new DemoOptions().Password);
        Assert.False(new DemoOptions().Seed);
        Assert.False(new VendorSandboxOptions().InProcess);
        Assert.Null(new VendorSandboxOptions().ApiKey);
        Assert.Null(new VendorEndpointOptions().ApiKey);
        Assert.False(new KeyProtectionOptions().AllowUnencryptedKeys);
        Assert.True(new HttpsOptions().Enforce);
    }

    [Fact]
    public void AReadReplica_IsRefused_UnlessTheDatabaseIsPostgres()
    {
        var replica = new Dictionary<string, string?> { ["ConnectionStrings:PostgresReadReplica"] = "Host=replica;Database=cloudmarket" };
        var onSqlite = Services(replica, (s, c) => s.AddAppDatabase(c, "."));
        var refused = Assert.Throws<OptionsValidationException>(() => onSqlite.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        Assert.Contains("ConnectionStrings:PostgresReadReplica is set but Database:Provider is not Postgres", refused.Message);

        var onPostgres = new Dictionary<string, string?>(replica) { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Postgres"] = "Host=db;Database=cloudmarket" };
        var services = Services(onPostgres, (s, c) => s.AddAppDatabase(c, ".")).GetRequiredService<IServiceProviderIsService>();
        Assert.True(services.IsService(typeof(ReadReplica)));
    }

    private static IServiceProvider Services(Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> add)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        add(services, configuration);
        return services.BuildServiceProvider();
    }

    private static KeyProtectionOptions KeyProtection(Dictionary<string, string?> settings) =>
        Services(settings, (s, c) => s.AddAppDataProtection(c)).GetRequiredService<IOptions<KeyProtectionOptions>>().Value;

    [Fact]
    public void DataProtection_WithoutACertificate_IsRefused_UnlessUnencryptedKeysAreChosenExplicitly()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => KeyProtection([]));
        Assert.StartsWith("DataProtection:CertificatePath is not set", refused.Message);
        Assert.True(KeyProtection(new() { ["DataProtection:AllowUnencryptedKeys"] = "true" }).AllowUnencryptedKeys);
    }

    [Fact]
    public void DataProtection_TakesAPfxWithItsPassword_OrAPemCertificateWithItsKey()
    {
        using var pfx = TestCertificate.Pfx();
        using var pem = TestCertificate.Pem();
        Assert.NotNull(CloudMarket.Infrastructure.KeyProtection.LoadCertificate(new() { CertificatePath = pfx.Path, CertificatePassword = TestCertificate.Password }).Certificate);
        Assert.NotNull(CloudMarket.Infrastructure.KeyProtection.LoadCertificate(new() { CertificatePath = pem.Path, CertificateKeyPath = pem.KeyPath }).Certificate);
        KeyProtection(new() { ["DataProtection:CertificatePath"] = pfx.Path, ["DataProtection:CertificatePassword"] = TestCertificate.Password });
    }

    [Fact]
    public void DataProtection_WithACertificateThatCannotServe_IsRefusedWithTheReason()
    {
        using var pfx = TestCertificate.Pfx();
        using var publicOnly = TestCertificate.Pem(withKey: false);
        var wrongPassword = Assert.Throws<OptionsValidationException>(() => KeyProtection(new()
        {
            ["DataProtection:CertificatePath"] = pfx.Path, ["DataProtection:CertificatePassword"] = "not-the-password",
        }));
        Assert.StartsWith($"DataProtection:CertificatePath {pfx.Path} cannot be loaded", wrongPassword.Message);
        var missing = Assert.Throws<OptionsValidationException>(() => KeyProtection(new() { ["DataProtection:CertificatePath"] = "/nowhere/cert.pfx" }));
        Assert.Equal("DataProtection:CertificatePath /nowhere/cert.pfx does not exist.", missing.Message);
        var noKey = Assert.Throws<OptionsValidationException>(() => KeyProtection(new() { ["DataProtection:CertificatePath"] = publicOnly.Path }));
        Assert.StartsWith($"DataProtection:CertificatePath {publicOnly.Path} cannot be loaded", noKey.Message);
    }

    private static IServiceProvider Https(Dictionary<string, string?> settings) => Services(settings, (s, c) => s.AddAppHttps(c));

    [Fact]
    public void ForwardedHeaders_AreTrustedFromLoopbackByDefault_OrFromTheConfiguredProxiesOnly()
    {
        var loopback = Https([]).GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        Assert.Equal(Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto, loopback.ForwardedHeaders);
        Assert.Contains(IPAddress.IPv6Loopback, loopback.KnownProxies);
        Assert.Contains(System.Net.IPNetwork.Parse("127.0.0.0/8"), loopback.KnownIPNetworks);

        var configured = Https(new() { ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.5", ["ForwardedHeaders:KnownNetworks:0"] = "10.1.0.0/16" })
            .GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        Assert.Equal([IPAddress.Parse("10.0.0.5")], configured.KnownProxies);
        Assert.Equal([System.Net.IPNetwork.Parse("10.1.0.0/16")], configured.KnownIPNetworks);
    }

    [Fact]
    public void ForwardedHeaders_WithSomethingThatIsNoAddress_AreRefused()
    {
        var bad = Https(new() { ["ForwardedHeaders:KnownProxies:0"] = "proxy.internal" });
        var refused = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value);
        Assert.Equal("ForwardedHeaders:KnownProxies must hold IP addresses, e.g. 10.0.0.5.", refused.Message);
    }
}

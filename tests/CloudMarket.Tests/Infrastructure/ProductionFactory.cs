using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using CloudMarket.Features.Organizations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>A self-signed certificate in a temporary file, as an operator would configure for DataProtection.</summary>
public sealed class TestCertificate : IDisposable
{
    public const string Password = "test-certificate-password";

    private TestCertificate(string path, string? keyPath, X509Certificate2 certificate)
    {
        Path = path;
        KeyPath = keyPath;
        Base64 = Convert.ToBase64String(certificate.RawData);
    }

    public string Path { get; }
    public string? KeyPath { get; }

    /// <summary>The certificate (public part) as XML encryption embeds it.</summary>
    public string Base64 { get; }

    private static X509Certificate2 Create(RSA rsa)
    {
        var request = new CertificateRequest("CN=CloudMarket data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A PKCS#12 file protected by <see cref="Password"/>.</summary>
    public static TestCertificate Pfx()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = Create(rsa);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cloudmarket-dp-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return new TestCertificate(path, null, certificate);
    }

    /// <summary>A PEM certificate with its unencrypted private key in a file of its own.</summary>
    public static TestCertificate Pem(bool withKey = true)
    {
        using var rsa = RSA.Create(2048);
        using var certificate = Create(rsa);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cloudmarket-dp-{Guid.NewGuid():N}.crt");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        string? keyPath = null;
        if (withKey)
        {
            keyPath = System.IO.Path.ChangeExtension(path, ".key");
            File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        }
        return new TestCertificate(path, keyPath, certificate);
    }

    public void Dispose()
    {
        File.Delete(Path);
        if (KeyPath is not null)
            File.Delete(KeyPath);
    }
}

/// <summary>
/// The app as an operator runs it: environment Production with only what that requires (a certificate
/// for the data-protection keys), served by Kestrel on loopback, where a TLS proxy would sit. No demo:
/// a test creates the users it needs.
/// </summary>
public static class Production
{
    public static IReadOnlyDictionary<string, string?> Settings(TestCertificate certificate) => new Dictionary<string, string?>
    {
        ["DataProtection:CertificatePath"] = certificate.Path,
        ["DataProtection:CertificatePassword"] = TestCertificate.Password,
    };

    public const string UserEmail = "first.admin@acme.example";
    public const string UserPassword = "Production-Pa55word";

    /// <summary>An organization and a user of it, as the first real user of a deployment would be.</summary>
    public static async Task CreateUserAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CloudMarket.Data.AppDbContext>();
        if (await db.Users.AnyAsync(u => u.Email == UserEmail))
            return;
        var org = new Organization(Guid.NewGuid(), "Acme Distribution", OrganizationType.Distributor, null, "DK");
        db.Organizations.Add(org);
        await db.SaveChangesAsync();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var created = await users.CreateAsync(new AppUser
        {
            UserName = UserEmail, Email = UserEmail, EmailConfirmed = true, FirstName = "First", LastName = "Admin",
            OrganizationId = org.Id, LockoutEnabled = true,
        }, UserPassword);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
    }
}

public sealed class ProductionSqliteFactory : SqliteFactory
{
    public TestCertificate Certificate { get; } = TestCertificate.Pfx();
    public string SharedConnectionString => ConnectionString;
    protected override string EnvironmentName => "Production";
    protected override IReadOnlyDictionary<string, string?> EnvironmentSettings => Production.Settings(Certificate);
    protected override bool UseRealServer => true;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Certificate.Dispose();
    }
}

public sealed class ProductionPostgresFactory : PostgresFactory
{
    public TestCertificate Certificate { get; } = TestCertificate.Pfx();
    public string SharedConnectionString => ConnectionString;
    protected override string EnvironmentName => "Production";
    protected override IReadOnlyDictionary<string, string?> EnvironmentSettings => Production.Settings(Certificate);
    protected override bool UseRealServer => true;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Certificate.Dispose();
    }
}

/// <summary>Another Production instance on an existing database, with the same certificate, as behind a load balancer.</summary>
public sealed class ProductionInstance(DatabaseProvider provider, string connectionString, TestCertificate certificate) : CloudMarketFactory
{
    public override DatabaseProvider Provider => provider;
    protected override string ConnectionString => connectionString;
    protected override string EnvironmentName => "Production";
    protected override IReadOnlyDictionary<string, string?> EnvironmentSettings => Production.Settings(certificate);
    protected override bool UseRealServer => true;
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudMarket.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace CloudMarket.Infrastructure;

/// <summary>
/// Section "DataProtection": how the data-protection keys (they sign and encrypt the auth cookies, the
/// bearer tokens and the antiforgery tokens) are protected at rest in the database. Whoever can read
/// unencrypted keys can forge a session for any user, so outside Development a certificate is required
/// unless <see cref="AllowUnencryptedKeys"/> says otherwise (appsettings.Development.json does).
/// </summary>
public sealed class KeyProtectionOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 file (.pfx/.p12) or a PEM certificate whose private key encrypts the keys.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password, or the password of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>For a PEM certificate: the private key's file when it is not in <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Store the keys unencrypted (e.g. when the database is itself encrypted and access-controlled).</summary>
    public bool AllowUnencryptedKeys { get; set; }
}

public static class KeyProtection
{
    /// <summary>
    /// Keys in the database (every instance behind a load balancer reads the others' cookies and tokens),
    /// encrypted with the configured certificate. A certificate that cannot be loaded does not stop the
    /// composition: <see cref="Validator"/> turns it into the one line the app refuses to start with.
    /// </summary>
    public static IServiceCollection AddAppDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyProtectionOptions>().Bind(configuration.GetSection(KeyProtectionOptions.Section)).ValidateOnStart();
        var settings = configuration.GetSection(KeyProtectionOptions.Section).Get<KeyProtectionOptions>() ?? new KeyProtectionOptions();
        var certificate = LoadCertificate(settings);
        services.AddSingleton(certificate);
        services.AddSingleton<IValidateOptions<KeyProtectionOptions>, Validator>();

        var dataProtection = services.AddDataProtection().SetApplicationName("CloudMarket").PersistKeysToDbContext<DataProtectionKeyStore>();
        if (certificate.Certificate is { } cert)
            dataProtection.ProtectKeysWithCertificate(cert);
        return services;
    }

    /// <summary>The certificate as loaded at composition, or why it could not be.</summary>
    public sealed record LoadedCertificate(X509Certificate2? Certificate, string? Error);

    public static LoadedCertificate LoadCertificate(KeyProtectionOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.CertificatePath))
            return new(null, null);
        var path = settings.CertificatePath;
        try
        {
            if (!File.Exists(path))
                return new(null, $"DataProtection:CertificatePath {path} does not exist.");
            var certificate = File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)
                ? LoadPem(path, settings.CertificateKeyPath, settings.CertificatePassword)
                : X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            return certificate.HasPrivateKey
                ? new(certificate, null)
                : new(null, $"DataProtection:CertificatePath {path} has no private key; the keys could be encrypted but never read back.");
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new(null, $"DataProtection:CertificatePath {path} cannot be loaded ({e.Message.TrimEnd('.')}); check the file and DataProtection:CertificatePassword.");
        }
    }

    private static X509Certificate2 LoadPem(string certificatePath, string? keyPath, string? password) =>
        string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);

    /// <summary>Refuses to start with keys that would be stored readable, unless that was chosen explicitly.</summary>
    private sealed class Validator(LoadedCertificate certificate) : IValidateOptions<KeyProtectionOptions>
    {
        public ValidateOptionsResult Validate(string? name, KeyProtectionOptions options)
        {
            if (certificate.Error is { } error)
                return ValidateOptionsResult.Fail(error);
            if (certificate.Certificate is null && !options.AllowUnencryptedKeys)
                return ValidateOptionsResult.Fail("DataProtection:CertificatePath is not set: the keys that protect sessions would be stored unencrypted " +
                                                  "(set DataProtection:CertificatePath and DataProtection:CertificatePassword, or DataProtection:AllowUnencryptedKeys=true).");
            return ValidateOptionsResult.Success;
        }
    }
}

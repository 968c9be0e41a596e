namespace CloudMarket.VendorSandbox;

/// <summary>
/// A product a vendor sells, as the vendor states it: its limits, its term, whether it can be suspended and its
/// cancellation window (hours after a purchase, a renewal or an increase; null: licences can go back at any time).
/// </summary>
public sealed record SandboxProduct(string Id, string Name, int MinQuantity, int MaxQuantity, int TermMonths, bool CanSuspend,
    int? CancellationWindowHours = null);

/// <summary>
/// What the sandbox's vendors sell: the products of the platform's demo catalog, stated here as the vendors
/// publish them (a marketplace imports its catalog from such price lists). A test holds the two in agreement.
/// </summary>
public static class SandboxProducts
{
    /// <summary>Microsoft new commerce takes licences back only within 7 days of the purchase, a renewal or an increase.</summary>
    public const int MicrosoftCancellationWindowHours = 168;

    public static readonly IReadOnlyDictionary<string, SandboxProduct> All = new SandboxProduct[]
    {
        new("ms-365-business-basic", "Microsoft 365 Business Basic", 1, 300, 12, true, MicrosoftCancellationWindowHours),
        new("ms-365-business-standard", "Microsoft 365 Business Standard", 1, 300, 12, true, MicrosoftCancellationWindowHours),
        new("ms-365-business-premium", "Microsoft 365 Business Premium", 1, 300, 12, true, MicrosoftCancellationWindowHours),
        new("ms-365-e3", "Microsoft 365 E3", 1, 10000, 12, true, MicrosoftCancellationWindowHours),
        new("ms-exchange-online-plan-1", "Exchange Online (Plan 1)", 1, 10000, 12, true, MicrosoftCancellationWindowHours),
        new("ms-teams-audio-conferencing", "Microsoft Teams Audio Conferencing", 1, 10000, 12, true, MicrosoftCancellationWindowHours),
        new("ms-defender-office-365-p1", "Microsoft Defender for Office 365 (Plan 1)", 1, 300, 12, true, MicrosoftCancellationWindowHours),
        new("acronis-cyber-protect-standard", "Acronis Cyber Protect Standard", 1, 1000, 1, true),
        new("acronis-cloud-storage-250gb", "Acronis Cloud Storage 250 GB", 1, 100, 1, true),
        new("bitdefender-gravityzone-business", "Bitdefender GravityZone Business Security", 3, 3000, 12, false),
        new("bitdefender-email-security", "Bitdefender GravityZone Email Security", 3, 3000, 12, false),
    }.ToDictionary(p => p.Id);
}

using Microsoft.AspNetCore.Identity;

namespace CloudMarket.Features.Identity;

public sealed class AppUser : IdentityUser<Guid>
{
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public Guid OrganizationId { get; set; }

    /// <summary>
    /// False once an admin deactivated the user: no sign-in, no refresh, and every token and cookie
    /// issued before is refused (the deactivation also changes the security stamp).
    /// </summary>
    public bool IsActive { get; set; } = true;

    /// <summary>The IANA time zone the pages and e-mails show this user's times in (<see cref="Infrastructure.TimeFormat"/>).</summary>
    public string TimeZone { get; set; } = Infrastructure.TimeFormat.DefaultZone;

    /// <summary>
    /// The primary's WAL position after this user's latest write, recorded only when there is a read replica:
    /// until the replica has replayed past it, this user's reads go to the primary (<see cref="Data.ReadYourWrites"/>).
    /// </summary>
    public long? LastWriteLsn { get; set; }

    public string FullName => $"{FirstName} {LastName}".Trim();
}

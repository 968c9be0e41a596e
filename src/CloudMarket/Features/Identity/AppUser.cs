using Microsoft.AspNetCore.Identity;

namespace CloudMarket.Features.Identity;

public sealed class AppUser : IdentityUser<Guid>
{
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public Guid OrganizationId { get; set; }

    public string FullName => $"{FirstName} {LastName}".Trim();
}

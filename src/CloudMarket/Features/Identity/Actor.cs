using System.Security.Claims;
using CloudMarket.Features.Organizations;

namespace CloudMarket.Features.Identity;

/// <summary>The signed-in user as the rules need it, read from the claims issued at sign-in.</summary>
public sealed record Actor(
    Guid UserId,
    string Name,
    string Email,
    Guid OrganizationId,
    string OrganizationName,
    OrganizationType OrganizationType,
    IReadOnlyList<Role> Roles)
{
    public const string OrganizationIdClaim = "cm:org";
    public const string OrganizationNameClaim = "cm:org_name";
    public const string OrganizationTypeClaim = "cm:org_type";

    public bool CanBuy => Permissions.CanBuy(Roles);
    public bool CanChangeMarkup => Permissions.CanChangeMarkup(Roles);
    public bool CanWriteNotes => Permissions.CanWriteNotes(Roles);
    public bool SeesInternalNotes => Permissions.SeesInternalNotes(OrganizationType);
    public bool CanWriteInternalNotes => Permissions.CanWriteInternalNotes(OrganizationType, Roles);
    public bool SeesMarkupAndCost => Permissions.SeesMarkupAndCost(OrganizationType);
    public bool SeesVendorCost => Permissions.SeesVendorCost(OrganizationType);
    public bool CanManageUsers => Permissions.CanManageUsers(Roles);

    public static Actor? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return null;
        if (!Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)) return null;
        if (!Guid.TryParse(principal.FindFirstValue(OrganizationIdClaim), out var orgId)) return null;
        if (!Enum.TryParse<OrganizationType>(principal.FindFirstValue(OrganizationTypeClaim), out var orgType)) return null;
        var roles = principal.FindAll(ClaimTypes.Role)
            .Select(c => Enum.TryParse<Role>(c.Value, ignoreCase: true, out var r) ? r : (Role?)null)
            .OfType<Role>()
            .ToList();
        return new Actor(userId, principal.FindFirstValue(ClaimTypes.GivenName) ?? principal.Identity.Name ?? "",
            principal.FindFirstValue(ClaimTypes.Email) ?? "", orgId,
            principal.FindFirstValue(OrganizationNameClaim) ?? "", orgType, roles);
    }

    /// <summary>Minimal API binding: handlers take an <see cref="Actor"/> parameter.</summary>
    public static ValueTask<Actor?> BindAsync(HttpContext http) =>
        ValueTask.FromResult<Actor?>(FromPrincipal(http.User) ?? throw new UnauthorizedAccessException());
}

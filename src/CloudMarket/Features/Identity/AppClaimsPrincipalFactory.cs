using System.Security.Claims;
using CloudMarket.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Identity;

/// <summary>
/// Puts the user's organization and display name into the principal once, at sign-in, so that
/// every later request (cookie or bearer token) knows the actor without a database round trip.
/// </summary>
public sealed class AppClaimsPrincipalFactory(
    UserManager<AppUser> users, RoleManager<IdentityRole<Guid>> roles, IOptions<IdentityOptions> options, AppDbContext db)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole<Guid>>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == user.OrganizationId);
        identity.AddClaim(new Claim(ClaimTypes.GivenName, user.FullName));
        identity.AddClaim(new Claim(ClaimTypes.Email, user.Email ?? ""));
        identity.AddClaim(new Claim(Actor.OrganizationIdClaim, org.Id.ToString()));
        identity.AddClaim(new Claim(Actor.OrganizationNameClaim, org.Name));
        identity.AddClaim(new Claim(Actor.OrganizationTypeClaim, org.Type.ToString()));
        return identity;
    }
}

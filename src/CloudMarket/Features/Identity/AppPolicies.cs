using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;

namespace CloudMarket.Features.Identity;

/// <summary>
/// The role gates of route groups, as ASP.NET Core authorization policies built from
/// <see cref="Permissions"/>: a caller outside the gate gets 403 before any handler runs.
/// </summary>
public static class AppPolicies
{
    /// <summary>Any signed-in user with a bearer token: the whole API.</summary>
    public const string ApiUser = "api-user";

    /// <summary>The distributor's users: the operations view of the provisioning pipeline.</summary>
    public const string Operations = "operations";

    public static AuthorizationBuilder AddAppPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(ApiUser, p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser())
        .AddPolicy(Operations, p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser()
            .RequireAssertion(c => Actor.FromPrincipal(c.User) is { } actor && Permissions.SeesOperations(actor.OrganizationType)));
}

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

    /// <summary>Seller- and distributor-level users: the workspace across their customers (Needs attention).</summary>
    public const string Workspace = "workspace";

    public static AuthorizationBuilder AddAppPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(ApiUser, p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser())
        .AddPolicy(Operations, p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser()
            .RequireAssertion(c => Actor.FromPrincipal(c.User) is { } actor && Permissions.SeesOperations(actor.OrganizationType)))
        .AddPolicy(Workspace, p => p.AddAuthenticationSchemes(BearerTokenDefaults.AuthenticationScheme).RequireAuthenticatedUser()
            .RequireAssertion(c => Actor.FromPrincipal(c.User) is { } actor && Permissions.WorksAcrossCustomers(actor.OrganizationType)));
}

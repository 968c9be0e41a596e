using CloudMarket.Data;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace CloudMarket.Features.Identity;

/// <summary>
/// User administration for an organization's admins (api.md, "Sessions and users"): HTTP only; the
/// rules are in <see cref="UserAdministration"/>, which the Users page calls too.
/// </summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Users")
            .WithParameter("id", "The user's id.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/", List).WithName("ListUsers")
            .WithDescription("Every user of the caller's organization with its role and whether it is active. Distributor, seller and customer admins only; other roles get 403.")
            .WithSummary("The users of the caller's organization (its admins only).");
        group.MapGet("/{id:guid}", Get).WithName("GetUser")
            .WithDescription("One user of the caller's organization, with `changes`: every change made to it, by whom and when. Another organization's user is 404.")
            .WithSummary("One user of the caller's organization with the record of every change to it (who, when, what).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreateUser")
            .WithDescription("Adds a user to the caller's organization with a role of the caller's level (else 400). The answer carries `initialPassword`, shown this once and never again; a taken e-mail is 409.")
            .WithSummary("Adds a user with a role of the caller's level; the answer carries its initial password, once.")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPatch("/{id:guid}", Update).WithName("UpdateUser")
            .WithDescription("Changes a user's first name, last name or role (of the caller's level). A role change ends every session of that user. Nobody changes their own role (403).")
            .WithSummary("Renames a user or changes its role; a role change ends every session of that user.")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/deactivate", Deactivate).WithName("DeactivateUser")
            .WithDescription("Deactivates a user of the caller's organization: every token and page session of that user ends at once, and sign-in and refresh are refused until reactivated. Nobody deactivates themselves (403).")
            .WithSummary("Deactivates a user: every session ends at once; sign-in and refresh are refused until reactivated.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/reactivate", Reactivate).WithName("ReactivateUser")
            .WithDescription("Lets a deactivated user sign in again (its earlier sessions stay ended).")
            .WithSummary("Lets a deactivated user sign in again.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Ok<UserListDto>> List(Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await UserAdministration.ListAsync(db, actor, ct));

    private static async Task<Ok<UserDetailDto>> Get(Guid id, Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await UserAdministration.GetAsync(db, actor, id, ct));

    private static async Task<Created<UserDetailDto>> Create(CreateUserRequest? request, Actor actor, AppDbContext db, UserManager<AppUser> users,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var user = await UserAdministration.CreateAsync(db, users, actor, clock, request, ct);
        // The answer holds the initial password.
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/v1/users/{user.Id}", user);
    }

    private static async Task<Ok<UserDetailDto>> Update(Guid id, UpdateUserRequest? request, Actor actor, AppDbContext db, UserManager<AppUser> users,
        TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await UserAdministration.UpdateAsync(db, users, actor, clock, id, request, ct));

    private static async Task<Ok<UserDetailDto>> Deactivate(Guid id, Actor actor, AppDbContext db, UserManager<AppUser> users,
        TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await UserAdministration.DeactivateAsync(db, users, actor, clock, id, ct));

    private static async Task<Ok<UserDetailDto>> Reactivate(Guid id, Actor actor, AppDbContext db, UserManager<AppUser> users,
        TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await UserAdministration.ReactivateAsync(db, users, actor, clock, id, ct));
}

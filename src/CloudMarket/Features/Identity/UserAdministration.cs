using System.Security.Cryptography;
using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Identity;

public sealed record UserDto(Guid Id, string Email, string FirstName, string LastName, Role? Role, bool Active);

public sealed record UserListDto(IReadOnlyList<UserDto> Items);

public sealed record UserChangeActorDto(Guid UserId, string Name);

public sealed record UserChangeDto(DateTime At, UserChangeKind Change, string? Detail, UserChangeActorDto By);

/// <summary>A user with the record of every change to it; <c>initialPassword</c> only in the answer that created it.</summary>
public sealed record UserDetailDto(
    Guid Id, string Email, string FirstName, string LastName, Role? Role, bool Active, IReadOnlyList<UserChangeDto> Changes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InitialPassword = null);

public sealed record CreateUserRequest(string? Email, string? FirstName, string? LastName, Role? Role);

public sealed record UpdateUserRequest(Role? Role, string? FirstName, string? LastName);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>
/// User administration by an organization's admins, and changing one's own password: the rules,
/// shared by the API (<see cref="UsersApi"/>, <see cref="IdentityApi"/>) and the pages.
/// </summary>
/// <remarks>
/// Every change stages its rows (role, audit) in the request's <see cref="AppDbContext"/> and ends
/// with one UserManager call (create, update, stamp or password), whose store saves that same
/// context: the user, its role and the audit row commit together or not at all.
/// </remarks>
public static class UserAdministration
{
    public const int MaxNameLength = 100;
    public const int MaxPasswordLength = 256;

    // ---- reads ---------------------------------------------------------------------------------

    public static async Task<UserListDto> ListAsync(AppDbContext db, Actor actor, CancellationToken ct)
    {
        RequireAdmin(actor);
        var rows = await Rows(db, db.Users.Where(u => u.OrganizationId == actor.OrganizationId)
            .OrderBy(u => u.LastName).ThenBy(u => u.FirstName).ThenBy(u => u.Email)).ToListAsync(ct);
        return new UserListDto(rows.Select(r => r.ToDto()).ToList());
    }

    public static async Task<UserDetailDto> GetAsync(AppDbContext db, Actor actor, Guid id, CancellationToken ct)
    {
        RequireAdmin(actor);
        return await DetailAsync(db, actor, id, ct);
    }

    private static async Task<UserDetailDto> DetailAsync(AppDbContext db, Actor actor, Guid id, CancellationToken ct, string? initialPassword = null)
    {
        var row = await Rows(db, db.Users.Where(u => u.Id == id && u.OrganizationId == actor.OrganizationId)).SingleOrDefaultAsync(ct)
                  ?? throw new NotFoundException($"User {id}");
        var changes = await db.UserChanges.AsNoTracking().Where(c => c.UserId == id).OrderBy(c => c.Id)
            .Select(c => new UserChangeDto(c.At, c.Kind, c.Detail, new UserChangeActorDto(c.ByUserId, c.ByName)))
            .ToListAsync(ct);
        var dto = row.ToDto();
        return new UserDetailDto(dto.Id, dto.Email, dto.FirstName, dto.LastName, dto.Role, dto.Active, changes, initialPassword);
    }

    private sealed record UserRow(Guid Id, Guid OrganizationId, string? Email, string FirstName, string LastName, bool IsActive, string? RoleName)
    {
        public UserDto ToDto() => new(Id, Email ?? "", FirstName, LastName, ParseRole(RoleName), IsActive);
    }

    /// <summary>The users with their role's name, in one query (filter and order the users first: a projected record cannot be).</summary>
    private static IQueryable<UserRow> Rows(AppDbContext db, IQueryable<AppUser> users) =>
        from u in users.AsNoTracking()
        select new UserRow(u.Id, u.OrganizationId, u.Email, u.FirstName, u.LastName, u.IsActive,
            (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == u.Id select r.Name).FirstOrDefault());

    private static Role? ParseRole(string? name) => Enum.TryParse<Role>(name, out var role) ? role : null;

    // ---- changes by an admin ---------------------------------------------------------------------

    /// <summary>Adds a user to the admin's organization with a random initial password, answered once.</summary>
    public static async Task<UserDetailDto> CreateAsync(AppDbContext db, UserManager<AppUser> users, Actor actor, TimeProvider clock,
        CreateUserRequest? request, CancellationToken ct)
    {
        RequireAdmin(actor);
        if (request is null) throw RequestValidationException.For("body", "A JSON body is required.");
        var errors = new ValidationErrors();
        var email = request.Email?.Trim();
        if (!OrderValidator.IsEmail(email))
            errors.Add("email", "A valid e-mail address is required.");
        CheckName(request.FirstName, "firstName", errors, required: true);
        CheckName(request.LastName, "lastName", errors, required: true);
        CheckRole(request.Role, actor, "role", errors, required: true);
        errors.ThrowIfAny();
        if (await users.FindByEmailAsync(email!) is not null)
            throw Duplicate(email!);

        var user = new AppUser
        {
            Id = Guid.NewGuid(), UserName = email, Email = email, EmailConfirmed = true,
            FirstName = request.FirstName!.Trim(), LastName = request.LastName!.Trim(),
            OrganizationId = actor.OrganizationId, LockoutEnabled = true,
        };
        var role = request.Role!.Value;
        db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = user.Id, RoleId = await RoleIdAsync(db, role, ct) });
        db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.Created, $"as {ApiNames.Of(role)}", actor, Now(clock)));
        var password = NewInitialPassword();
        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, password);
        }
        catch (DbUpdateException)
        {
            // Another request added the same e-mail in between and the unique index refused this one.
            db.ChangeTracker.Clear();
            if (await users.FindByEmailAsync(email!) is not null) throw Duplicate(email!);
            throw;
        }
        if (!result.Succeeded)
        {
            db.ChangeTracker.Clear();
            if (result.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")) throw Duplicate(email!);
            throw ToValidation(result, "email");
        }
        return await DetailAsync(db, actor, user.Id, ct, password);
    }

    /// <summary>Renames and/or changes the role; a role change ends every session of the user.</summary>
    public static async Task<UserDetailDto> UpdateAsync(AppDbContext db, UserManager<AppUser> users, Actor actor, TimeProvider clock,
        Guid id, UpdateUserRequest? request, CancellationToken ct)
    {
        RequireAdmin(actor);
        if (request is null || (request.Role is null && request.FirstName is null && request.LastName is null))
            throw RequestValidationException.For("body", "Give at least one of role, firstName, lastName.");
        var user = await FindAsync(db, actor, id, ct);
        var errors = new ValidationErrors();
        CheckName(request.FirstName, "firstName", errors, required: false);
        CheckName(request.LastName, "lastName", errors, required: false);
        CheckRole(request.Role, actor, "role", errors, required: false);
        errors.ThrowIfAny();

        var now = Now(clock);
        var current = request.Role is null ? [] : await db.UserRoles.Where(ur => ur.UserId == user.Id).ToListAsync(ct);
        var newRoleId = request.Role is { } wanted ? await RoleIdAsync(db, wanted, ct) : (Guid?)null;
        var roleChanges = newRoleId is { } roleId && (current.Count != 1 || current[0].RoleId != roleId);
        // Admins hold the highest role of their level, so any change of one's own role is a step
        // down or sideways that could leave the organization without an admin.
        if (roleChanges && user.Id == actor.UserId)
            throw new ForbiddenException("You cannot change your own role.");

        var (oldFirst, oldLast, oldName) = (user.FirstName, user.LastName, user.FullName);
        user.FirstName = request.FirstName?.Trim() ?? user.FirstName;
        user.LastName = request.LastName?.Trim() ?? user.LastName;
        var changed = user.FirstName != oldFirst || user.LastName != oldLast;
        if (changed)
            db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.NameChanged, $"{oldName} → {user.FullName}", actor, now));

        if (roleChanges)
        {
            var from = await db.Roles.Where(r => current.Select(c => c.RoleId).Contains(r.Id)).Select(r => r.Name).ToListAsync(ct);
            db.UserRoles.RemoveRange(current);
            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = user.Id, RoleId = newRoleId!.Value });
            var fromText = string.Join(", ", from.Select(n => ParseRole(n) is { } r ? ApiNames.Of(r) : n));
            db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.RoleChanged,
                $"{(fromText.Length > 0 ? fromText : "no role")} → {ApiNames.Of(request.Role!.Value)}", actor, now));
        }

        // A role change ends every session (new stamp); a rename does not.
        if (roleChanges)
            Check(await users.UpdateSecurityStampAsync(user));
        else if (changed)
            Check(await users.UpdateAsync(user));
        return await DetailAsync(db, actor, id, ct);
    }

    /// <summary>Deactivates a user: every session ends at once, sign-in and refresh are refused until reactivated.</summary>
    public static async Task<UserDetailDto> DeactivateAsync(AppDbContext db, UserManager<AppUser> users, Actor actor, TimeProvider clock,
        Guid id, CancellationToken ct)
    {
        RequireAdmin(actor);
        var user = await FindAsync(db, actor, id, ct);
        if (user.Id == actor.UserId)
            throw new ForbiddenException("You cannot deactivate yourself.");
        if (user.IsActive)
        {
            user.IsActive = false;
            db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.Deactivated, null, actor, Now(clock)));
            Check(await users.UpdateSecurityStampAsync(user));
        }
        return await DetailAsync(db, actor, id, ct);
    }

    public static async Task<UserDetailDto> ReactivateAsync(AppDbContext db, UserManager<AppUser> users, Actor actor, TimeProvider clock,
        Guid id, CancellationToken ct)
    {
        RequireAdmin(actor);
        var user = await FindAsync(db, actor, id, ct);
        if (!user.IsActive)
        {
            user.IsActive = true;
            db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.Reactivated, null, actor, Now(clock)));
            Check(await users.UpdateAsync(user));
        }
        return await DetailAsync(db, actor, id, ct);
    }

    // ---- one's own password ----------------------------------------------------------------------

    /// <summary>
    /// Changes the caller's password under Identity's rules. The security stamp changes with it, so
    /// every session of the user ends — the caller's API token too; the page signs its own browser
    /// in again. A wrong current password counts towards the lockout like a failed sign-in.
    /// </summary>
    public static async Task ChangePasswordAsync(AppDbContext db, UserManager<AppUser> users, SignInManager<AppUser> signIn, Actor actor,
        TimeProvider clock, ChangePasswordRequest? request, CancellationToken ct)
    {
        if (request is null) throw RequestValidationException.For("body", "A JSON body is required.");
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(request.CurrentPassword) || request.CurrentPassword.Length > MaxPasswordLength)
            errors.Add("currentPassword", "Required.");
        if (string.IsNullOrEmpty(request.NewPassword) || request.NewPassword.Length > MaxPasswordLength)
            errors.Add("newPassword", $"Required, at most {MaxPasswordLength} characters.");
        errors.ThrowIfAny();

        var user = await users.FindByIdAsync(actor.UserId.ToString()) ?? throw new UnauthorizedAccessException();
        // The new password first: a request refused for it does not count as a failed sign-in.
        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, user, request.NewPassword!);
            foreach (var e in valid.Errors) errors.Add("newPassword", e.Description);
        }
        errors.ThrowIfAny();

        var check = await signIn.CheckPasswordSignInAsync(user, request.CurrentPassword!, lockoutOnFailure: true);
        if (!check.Succeeded)
            throw RequestValidationException.For("currentPassword", check.IsLockedOut
                ? "Too many wrong passwords: the account is locked for a while."
                : "The current password is wrong.");

        db.UserChanges.Add(new UserChange(user.Id, user.OrganizationId, UserChangeKind.PasswordChanged, null, actor, Now(clock)));
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        if (!result.Succeeded)
        {
            db.ChangeTracker.Clear();
            throw ToValidation(result, "newPassword");
        }
    }

    /// <summary>
    /// The user's own time zone (an IANA name, <see cref="TimeFormat.Find"/>); anything else is refused
    /// and nothing changes. Used by <c>PUT /api/v1/me</c> and the profile page.
    /// </summary>
    public static async Task SetTimeZoneAsync(AppDbContext db, Actor actor, string? timeZone, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
            throw RequestValidationException.For("timeZone", "Required: an IANA time zone name such as Europe/Berlin or UTC.");
        if (TimeFormat.Find(timeZone.Trim()) is not { } zone)
            throw RequestValidationException.For("timeZone",
                $"Unknown time zone '{(timeZone.Length > TimeFormat.MaxZoneLength ? timeZone[..TimeFormat.MaxZoneLength] + "…" : timeZone)}': " +
                "use an IANA name such as Europe/Berlin, America/New_York or UTC.");
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == actor.UserId, ct) ?? throw new UnauthorizedAccessException();
        user.TimeZone = zone.Id;
        await db.SaveChangesAsync(ct);
    }

    // ---- rules -----------------------------------------------------------------------------------

    private static void RequireAdmin(Actor actor)
    {
        if (!actor.CanManageUsers)
            throw new ForbiddenException("Only the organization's admins manage its users.");
    }

    /// <summary>A user of the admin's own organization, tracked; any other user is "not found".</summary>
    private static async Task<AppUser> FindAsync(AppDbContext db, Actor actor, Guid id, CancellationToken ct) =>
        await db.Users.SingleOrDefaultAsync(u => u.Id == id && u.OrganizationId == actor.OrganizationId, ct)
        ?? throw new NotFoundException($"User {id}");

    private static void CheckName(string? name, string field, ValidationErrors errors, bool required)
    {
        if (name is null && !required) return;
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength || OrderValidator.HasNul(name))
            errors.Add(field, $"Required, at most {MaxNameLength} characters.");
    }

    private static void CheckRole(Role? role, Actor actor, string field, ValidationErrors errors, bool required)
    {
        var allowed = string.Join(", ", Permissions.RolesOf(actor.OrganizationType).Select(r => ApiNames.Of(r)));
        if (role is null)
        {
            if (required) errors.Add(field, $"Required: one of {allowed}.");
            return;
        }
        if (Permissions.LevelOf(role.Value) != actor.OrganizationType)
            errors.Add(field, $"{ApiNames.Of(role.Value)} is not a role of a {OrganizationLevel(actor.OrganizationType)} organization; choose one of {allowed}.");
    }

    private static string OrganizationLevel(OrganizationType type) => type.ToString().ToLowerInvariant();

    /// <summary>The role's row; every role exists (<see cref="EnsureRolesAsync"/> runs at start).</summary>
    private static async Task<Guid> RoleIdAsync(AppDbContext db, Role role, CancellationToken ct)
    {
        var name = role.ToString();
        return await db.Roles.Where(r => r.Name == name).Select(r => (Guid?)r.Id).SingleOrDefaultAsync(ct)
               ?? throw new InvalidOperationException($"The role {name} does not exist; EnsureRolesAsync runs at start.");
    }

    /// <summary>Every <see cref="Role"/> has its Identity role row, with or without the demo data.</summary>
    public static async Task EnsureRolesAsync(RoleManager<IdentityRole<Guid>> roles)
    {
        foreach (var role in Enum.GetValues<Role>())
            if (!await roles.RoleExistsAsync(role.ToString()))
                Check(await roles.CreateAsync(new IdentityRole<Guid>(role.ToString())));
    }

    private static DomainException Duplicate(string email) => new($"A user with the e-mail {email} already exists.");

    private static void Check(IdentityResult result)
    {
        if (result.Succeeded) return;
        if (result.Errors.Any(e => e.Code == "ConcurrencyFailure"))
            throw new ConcurrencyConflictException("The user was changed by someone else at the same moment; reload and try again.");
        throw new InvalidOperationException("Identity refused the change: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    private static RequestValidationException ToValidation(IdentityResult result, string field) =>
        new(new Dictionary<string, string[]> { [field] = result.Errors.Select(e => e.Description).ToArray() });

    private static DateTime Now(TimeProvider clock) => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// 16 characters from letters, digits and symbols that cannot be mistaken for each other, with
    /// one of each class so Identity's rules are met: about 95 bits, handed over once.
    /// </summary>
    public static string NewInitialPassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", lower = "abcdefghijkmnopqrstuvwxyz", digits = "23456789", symbols = "!#$%*+-=?@";
        const string all = upper + lower + digits + symbols;
        var chars = new List<char>
        {
            RandomNumberGenerator.GetItems<char>(upper, 1)[0], RandomNumberGenerator.GetItems<char>(lower, 1)[0],
            RandomNumberGenerator.GetItems<char>(digits, 1)[0], RandomNumberGenerator.GetItems<char>(symbols, 1)[0],
        };
        chars.AddRange(RandomNumberGenerator.GetItems<char>(all, 12));
        var shuffled = chars.ToArray();
        RandomNumberGenerator.Shuffle<char>(shuffled);
        return new string(shuffled);
    }
}

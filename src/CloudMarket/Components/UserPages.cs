using CloudMarket.Features.Identity;

namespace CloudMarket.Components;

/// <summary>What the Users pages show: role and change names in words. The rules are in <see cref="UserAdministration"/>.</summary>
public static class UserPages
{
    public static string RoleLabel(Role? role) => role switch
    {
        Role.DistributorAdmin => "Distributor admin",
        Role.DistributorReadOnly => "Distributor read-only",
        Role.SellerAdmin => "Seller admin",
        Role.AccountManager => "Account manager",
        Role.SubscriptionsManager => "Subscriptions manager",
        Role.SupportAgent => "Support agent",
        Role.CustomerAdmin => "Customer admin",
        Role.Customer => "Customer",
        Role.CustomerBillingAdmin => "Customer billing admin",
        _ => "No role",
    };

    public static string ChangeLabel(UserChangeKind kind) => kind switch
    {
        UserChangeKind.Created => "Added",
        UserChangeKind.NameChanged => "Name changed",
        UserChangeKind.RoleChanged => "Role changed",
        UserChangeKind.Deactivated => "Deactivated",
        UserChangeKind.Reactivated => "Reactivated",
        UserChangeKind.PasswordChanged => "Password changed",
        _ => kind.ToString(),
    };

    /// <summary>A role chosen in a form (the enum's name); anything else is a field error.</summary>
    public static Role? ParseRole(string? value, bool required)
    {
        if (string.IsNullOrEmpty(value))
            return required ? throw Infrastructure.RequestValidationException.For("role", "Choose a role.") : null;
        return Enum.TryParse<Role>(value, out var role) && Enum.IsDefined(role)
            ? role
            : throw Infrastructure.RequestValidationException.For("role", "Choose one of the roles offered.");
    }
}

using CloudMarket.Features.Organizations;

namespace CloudMarket.Features.Identity;

/// <summary>
/// What each role may do and see: the one place that answers "may this role…" and "does this level
/// see…". Role gates that do not depend on the data are authorization policies built from these
/// (<see cref="AppPolicies"/>); checks that do (a customer the caller cannot see answers 404 before
/// any 403) call them from the customer context.
/// </summary>
public static class Permissions
{
    private static readonly HashSet<Role> Buyers =
        [Role.DistributorAdmin, Role.SellerAdmin, Role.AccountManager, Role.SubscriptionsManager, Role.CustomerAdmin, Role.Customer];

    private static readonly HashSet<Role> MarkupChangers = [Role.DistributorAdmin, Role.SellerAdmin, Role.AccountManager];

    private static readonly HashSet<Role> ReadOnly = [Role.DistributorReadOnly, Role.SupportAgent];

    private static readonly HashSet<Role> UserAdmins = [Role.DistributorAdmin, Role.SellerAdmin, Role.CustomerAdmin];

    /// <summary>Cart, place, retry, close, and every subscription change except markup.</summary>
    public static bool CanBuy(IEnumerable<Role> roles) => roles.Any(Buyers.Contains);

    public static bool CanChangeMarkup(IEnumerable<Role> roles) => roles.Any(MarkupChangers.Contains);

    /// <summary>Everyone who can see an order may write its note, except the read-only roles.</summary>
    public static bool CanWriteNotes(IEnumerable<Role> roles) => roles.Any(r => !ReadOnly.Contains(r));

    /// <summary>Who may be named an approver and decide on an order held for approval: every role but the read-only ones.</summary>
    public static bool MayApprove(Role role) => !ReadOnly.Contains(role);

    /// <summary>The organization's admins manage its users (list, add, change role, deactivate).</summary>
    public static bool CanManageUsers(IEnumerable<Role> roles) => roles.Any(UserAdmins.Contains);

    private static readonly HashSet<Role> WebhookManagers = [Role.DistributorAdmin, Role.SellerAdmin, Role.CustomerAdmin];

    /// <summary>The admins of each level manage their own organization's webhook endpoints (integrations.md).</summary>
    public static bool CanManageWebhooks(IEnumerable<Role> roles) => roles.Any(WebhookManagers.Contains);

    /// <summary>The roles a user of an organization of this level may have.</summary>
    public static IReadOnlyList<Role> RolesOf(OrganizationType level) => Enum.GetValues<Role>().Where(r => LevelOf(r) == level).ToList();

    public static OrganizationType LevelOf(Role role) => role switch
    {
        Role.DistributorAdmin or Role.DistributorReadOnly => OrganizationType.Distributor,
        Role.SellerAdmin or Role.AccountManager or Role.SubscriptionsManager or Role.SupportAgent => OrganizationType.Seller,
        _ => OrganizationType.Customer,
    };

    /// <summary>Customer-level users never see markup, cost prices or margins.</summary>
    public static bool SeesMarkupAndCost(OrganizationType level) => level != OrganizationType.Customer;

    /// <summary>An order's internal note is the seller's and distributor's own: customer-level users never see it.</summary>
    public static bool SeesInternalNotes(OrganizationType level) => level != OrganizationType.Customer;

    /// <summary>Those who see the internal note write it, except the read-only roles (as for the order's note).</summary>
    public static bool CanWriteInternalNotes(OrganizationType level, IEnumerable<Role> roles) => SeesInternalNotes(level) && CanWriteNotes(roles);

    /// <summary>The vendor's cost and the distributor's markup are the distributor's own business.</summary>
    public static bool SeesVendorCost(OrganizationType level) => level == OrganizationType.Distributor;

    /// <summary>
    /// Seller- and distributor-level users work across the customers below them (Needs attention, the
    /// customer list); nothing of those views reaches customer-level users.
    /// </summary>
    public static bool WorksAcrossCustomers(OrganizationType level) => level != OrganizationType.Customer;

    /// <summary>The provisioning pipeline across every customer (the operations view) is the distributor's.</summary>
    public static bool SeesOperations(OrganizationType level) => level == OrganizationType.Distributor;
}

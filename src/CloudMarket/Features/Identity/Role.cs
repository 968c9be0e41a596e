using CloudMarket.Features.Organizations;

namespace CloudMarket.Features.Identity;

/// <summary>The roles of product.md. The API names are the camelCase enum names.</summary>
public enum Role
{
    DistributorAdmin,
    DistributorReadOnly,
    SellerAdmin,
    AccountManager,
    SubscriptionsManager,
    SupportAgent,
    CustomerAdmin,
    Customer,
    CustomerBillingAdmin,
}

/// <summary>What each role may do: the one place that answers "may this role…".</summary>
public static class Permissions
{
    private static readonly HashSet<Role> Buyers =
        [Role.DistributorAdmin, Role.SellerAdmin, Role.AccountManager, Role.SubscriptionsManager, Role.CustomerAdmin, Role.Customer];

    private static readonly HashSet<Role> MarkupChangers = [Role.DistributorAdmin, Role.SellerAdmin, Role.AccountManager];

    private static readonly HashSet<Role> ReadOnly = [Role.DistributorReadOnly, Role.SupportAgent];

    /// <summary>Cart, place, retry, close, and every subscription change except markup.</summary>
    public static bool CanBuy(IEnumerable<Role> roles) => roles.Any(Buyers.Contains);

    public static bool CanChangeMarkup(IEnumerable<Role> roles) => roles.Any(MarkupChangers.Contains);

    /// <summary>Everyone who can see an order may write its note, except the read-only roles.</summary>
    public static bool CanWriteNotes(IEnumerable<Role> roles) => roles.Any(r => !ReadOnly.Contains(r));

    private static readonly HashSet<Role> WebhookManagers = [Role.DistributorAdmin, Role.SellerAdmin, Role.CustomerAdmin];

    /// <summary>The admins of each level manage their own organization's webhook endpoints (integrations.md).</summary>
    public static bool CanManageWebhooks(IEnumerable<Role> roles) => roles.Any(WebhookManagers.Contains);

    /// <summary>Customer-level users never see markup, cost prices or margins.</summary>
    public static bool SeesMarkupAndCost(OrganizationType level) => level != OrganizationType.Customer;

    public static OrganizationType LevelOf(Role role) => role switch
    {
        Role.DistributorAdmin or Role.DistributorReadOnly => OrganizationType.Distributor,
        Role.SellerAdmin or Role.AccountManager or Role.SubscriptionsManager or Role.SupportAgent => OrganizationType.Seller,
        _ => OrganizationType.Customer,
    };

    public static string ApiName(Role role) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(role.ToString());
}

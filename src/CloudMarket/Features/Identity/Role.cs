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

using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Identity;

/// <summary>The roles of product.md. The API names are the camelCase enum names.</summary>
[JsonConverter(typeof(ApiEnumConverter<Role>))]
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

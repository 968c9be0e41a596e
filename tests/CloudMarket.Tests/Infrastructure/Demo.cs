using CloudMarket.Data;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>The demo users and organizations of api.md, by name.</summary>
public static class Demo
{
    public const string DistributorAdmin = "distributor.admin@northwind.example";
    public const string DistributorReadOnly = "distributor.readonly@northwind.example";
    public const string SellerAdmin = "seller.admin@contoso.example";
    public const string AccountManager = "account.manager@contoso.example";
    public const string SubscriptionsManager = "subscriptions.manager@contoso.example";
    public const string SupportAgent = "support.agent@contoso.example";
    public const string LitwareAdmin = "seller.admin@litware.example";
    public const string FabrikamAdmin = "customer.admin@fabrikam.example";
    public const string FabrikamCustomer = "customer@fabrikam.example";
    public const string FabrikamBilling = "billing.admin@fabrikam.example";
    public const string TailspinAdmin = "customer.admin@tailspin.example";
    public const string AdatumAdmin = "customer.admin@adatum.example";

    public static readonly Guid Northwind = DemoData.Northwind;
    public static readonly Guid Contoso = DemoData.Contoso;
    public static readonly Guid Litware = DemoData.Litware;
    public static readonly Guid Fabrikam = DemoData.Fabrikam;
    public static readonly Guid Tailspin = DemoData.Tailspin;
    public static readonly Guid Adatum = DemoData.Adatum;

    /// <summary>Fabrikam's Microsoft 365 E3 subscription, the one most order tests change.</summary>
    public static readonly Guid FabrikamE3 = DemoData.SubscriptionIds.FabrikamE3;

    public static readonly string[] CustomerLevelUsers = [FabrikamAdmin, FabrikamCustomer, FabrikamBilling];
    public static readonly string[] SellerSideUsersOfFabrikam = [DistributorAdmin, DistributorReadOnly, SellerAdmin, AccountManager, SubscriptionsManager, SupportAgent];
}

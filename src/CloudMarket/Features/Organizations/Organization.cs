using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Organizations;

[JsonConverter(typeof(ApiEnumConverter<OrganizationType>))]
public enum OrganizationType { Distributor, Seller, Customer }

/// <summary>A node of the tree Distributor → Seller → Customer.</summary>
public sealed class Organization
{
    private Organization() { }

    public Organization(Guid id, string name, OrganizationType type, Guid? parentId, string country,
        decimal distributorMarkupPercent = 0m, decimal defaultSellerMarkupPercent = 0m)
    {
        Id = id;
        Name = name;
        Type = type;
        ParentId = parentId;
        Country = country;
        DistributorMarkupPercent = distributorMarkupPercent;
        DefaultSellerMarkupPercent = defaultSellerMarkupPercent;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public OrganizationType Type { get; private set; }

    /// <summary>The seller of a customer, the distributor of a seller, null for a distributor.</summary>
    public Guid? ParentId { get; private set; }
    public string Country { get; private set; } = "";

    /// <summary>On a seller: the distributor's markup on vendor cost, giving the seller's price.</summary>
    public decimal DistributorMarkupPercent { get; private set; }

    /// <summary>On a seller: the markup a new subscription starts with.</summary>
    public decimal DefaultSellerMarkupPercent { get; private set; }
}

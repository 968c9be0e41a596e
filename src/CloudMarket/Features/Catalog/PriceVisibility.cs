using CloudMarket.Infrastructure;
using CloudMarket.Features.Identity;

namespace CloudMarket.Features.Catalog;

/// <summary>
/// The price tiers of one unit as a viewer may see them: the customer price always; the seller price (the
/// seller's cost), the seller's markup and margin for seller- and distributor-level users; the vendor cost and the
/// distributor's markup for the distributor only. Absent tiers are null.
/// </summary>
public sealed record VisiblePrices(
    Money CustomerPrice, Money? SellerPrice, decimal? SellerMarkupPercent, Money? SellerMargin, Money? VendorCost, decimal? DistributorMarkupPercent);

/// <summary>
/// The one price-visibility projection (product.md: customer-level users never see markup or cost; only the
/// distributor sees the vendor's cost), from <see cref="Permissions"/>' answers. The catalog, subscriptions, order
/// items, the preview and, through those, the CSV and the pages take their prices from here.
/// </summary>
public static class PriceVisibility
{
    public static VisiblePrices Of(UnitPrices unit, Actor viewer) => Of(unit, viewer.SeesMarkupAndCost, viewer.SeesVendorCost);

    public static VisiblePrices Of(UnitPrices unit, bool seesMarkupAndCost, bool seesVendorCost) => new(
        unit.CustomerPrice,
        seesMarkupAndCost ? unit.SellerPrice : null,
        seesMarkupAndCost ? unit.SellerMarkupPercent : null,
        seesMarkupAndCost ? unit.SellerMargin : null,
        seesVendorCost ? unit.VendorCost : null,
        seesVendorCost ? unit.DistributorMarkupPercent : null);
}

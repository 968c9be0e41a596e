using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Catalog;

public sealed record OfferDto(
    string Id,
    string Name,
    string Vendor,
    string VendorId,
    bool IsAddon,
    IReadOnlyList<string> AddonFor,
    IReadOnlyList<BillingCycle> BillingCycles,
    int MinQuantity,
    int MaxQuantity,
    int TermMonths,
    bool RequiresTenant,
    Money Price,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Money? Cost = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MarkupPercent = null);

public sealed record OfferListDto(IReadOnlyList<OfferDto> Items);

public static class CatalogApi
{
    public static RouteGroupBuilder MapCatalogApi(this RouteGroupBuilder api)
    {
        api.MapGet("/catalog/offers", List).WithTags("Catalog").WithName("ListOffers")
            .WithSummary("The catalog, priced for the customer in view")
            .WithDescription("Every offer with its billing cycles, quantity limits and add-on relations, priced per unit and month as the " +
                "customer in view would pay. Seller- and distributor-level callers also get the seller's `cost` and `markupPercent`.")
            .WithResponseDescription(StatusCodes.Status200OK, "The offers, by vendor and name.");
        return api;
    }

    private static async Task<Ok<OfferListDto>> List(CustomerContext ctx, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new OfferListDto(await OffersAsync(db, ctx, ct)));

    /// <summary>The catalog priced for the customer in view; used by the API and the catalog page.</summary>
    public static async Task<List<OfferDto>> OffersAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        var offers = await db.Offers.AsNoTracking().Include(o => o.Vendor).OrderBy(o => o.Vendor.Name).ThenBy(o => o.Name).ToListAsync(ct);
        return offers.Select(o =>
        {
            var seen = PriceVisibility.Of(Pricing.UnitPrices(o, BillingCycle.Monthly, ctx.Seller.DistributorMarkupPercent, ctx.Seller.DefaultSellerMarkupPercent),
                ctx.Actor);
            return new OfferDto(o.Id, o.Name, o.Vendor.Name, o.VendorId, o.IsAddon, o.AddonFor, o.BillingCycles, o.MinQuantity, o.MaxQuantity,
                o.TermMonths, o.Vendor.RequiresTenant, seen.CustomerPrice, seen.SellerPrice, seen.SellerMarkupPercent);
        }).ToList();
    }
}

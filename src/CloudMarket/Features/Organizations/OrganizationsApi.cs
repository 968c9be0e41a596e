using System.ComponentModel;
using CloudMarket.Data;
using CloudMarket.Infrastructure;
using CloudMarket.Features.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Organizations;

public sealed record OrganizationDto(Guid Id, string Name, OrganizationType Type, Guid? SellerId, string Country);

public sealed record OrganizationListDto(IReadOnlyList<OrganizationDto> Items);

public static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizationsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/organizations", List).WithTags("Organizations").WithName("ListOrganizations")
            .WithSummary("Customers the caller may act for")
            .WithDescription("The customer organizations the caller may act on behalf of, by name: a seller's customers, the customers of a " +
                "distributor's sellers, or a customer user's own organization. Their ids go into `X-On-Behalf-Of`.")
            .WithResponseDescription(StatusCodes.Status200OK, "The organizations, by name.");
        return api;
    }

    private static async Task<Ok<OrganizationListDto>> List(Actor actor, AppDbContext db, CancellationToken ct,
        [Description("Only organizations whose name contains this text (case-insensitive; at most 200 characters, longer is ignored).")] string? q = null) =>
        TypedResults.Ok(new OrganizationListDto(await CustomersAsync(db, actor, q, ct)));

    /// <summary>The API's list; the Select organization page shows the same customers with their counts (Workspace.CustomerOverview).</summary>
    public static async Task<List<OrganizationDto>> CustomersAsync(AppDbContext db, Actor actor, string? search, CancellationToken ct)
    {
        var query = Entitlements.CustomersVisibleTo(db, actor).AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search) && search.Length <= 200)
        {
            var term = search.Trim().ToLower();
            query = query.Where(o => o.Name.ToLower().Contains(term));
        }
        return await query.OrderBy(o => o.Name)
            .Select(o => new OrganizationDto(o.Id, o.Name, o.Type, o.ParentId, o.Country))
            .ToListAsync(ct);
    }
}

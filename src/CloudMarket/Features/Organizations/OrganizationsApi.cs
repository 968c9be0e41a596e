using CloudMarket.Data;
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
            .WithSummary("The customer organizations the caller may act on behalf of; q searches by name.");
        return api;
    }

    private static async Task<Ok<OrganizationListDto>> List(Actor actor, AppDbContext db, CancellationToken ct, string? q = null) =>
        TypedResults.Ok(new OrganizationListDto(await CustomersAsync(db, actor, q, ct)));

    /// <summary>Used by the API and the Select organization page.</summary>
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

using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Provisioning;

/// <summary><c>GET /api/v1/ops/provisioning</c>: the pipeline at a glance, for the distributor's operators.</summary>
public static class ProvisioningApi
{
    public static void MapProvisioningApi(this IEndpointRouteBuilder api) =>
        api.MapGet("/ops/provisioning", GetAsync).WithName("GetProvisioningMetrics").WithTags("Operations")
            .RequireAuthorization(AppPolicies.Operations);

    private static async Task<ProvisioningSnapshot> GetAsync(AppDbContext db, ProvisioningMetrics metrics, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var byStatus = await db.Orders.GroupBy(o => o.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var open = db.ProvisioningJobs.Where(j => j.CompletedAt == null);
        return new ProvisioningSnapshot(
            byStatus.OrderBy(s => s.Key).ToDictionary(s => ApiNames.Of(s.Key), s => s.Count),
            new JobCounts(
                Waiting: await open.CountAsync(j => j.LeaseExpiresAt == null || j.LeaseExpiresAt < now, ct),
                Leased: await open.CountAsync(j => j.LeaseExpiresAt != null && j.LeaseExpiresAt >= now, ct),
                Retrying: await open.CountAsync(j => j.Attempts > 0 && j.LastError != null, ct)),
            metrics.Summary());
    }
}

public sealed record ProvisioningSnapshot(IReadOnlyDictionary<string, int> OrdersByStatus, JobCounts Jobs, IReadOnlyList<VendorCallSummary> VendorCalls);

public sealed record JobCounts(int Waiting, int Leased, int Retrying);

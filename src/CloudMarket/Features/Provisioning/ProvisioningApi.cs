using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Provisioning;

/// <summary><c>GET /api/v1/ops/provisioning</c>: the pipeline at a glance, for the distributor's operators.</summary>
public static class ProvisioningApi
{
    public static void MapProvisioningApi(this RouteGroupBuilder api) =>
        api.MapGet("/ops/provisioning", GetAsync).WithName("GetProvisioningMetrics").WithTags("Operations")
            .RequireAuthorization(AppPolicies.Operations)
            .WithSummary("The provisioning pipeline at a glance")
            .WithDescription("Orders per status, the provisioning jobs waiting, leased and retrying, and the vendor calls of this instance " +
                "per vendor and outcome with their latency. Distributor-level users only.")
            .WithResponseDescription(StatusCodes.Status200OK, "The pipeline now.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, "The caller is not a distributor-level user.");

    private static async Task<Ok<ProvisioningSnapshot>> GetAsync(AppDbContext db, ProvisioningMetrics metrics, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var byStatus = await db.Orders.GroupBy(o => o.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var open = db.ProvisioningJobs.Where(j => j.CompletedAt == null);
        return TypedResults.Ok(new ProvisioningSnapshot(
            byStatus.OrderBy(s => s.Key).ToDictionary(s => ApiNames.Of(s.Key), s => s.Count),
            new JobCounts(
                Waiting: await open.CountAsync(j => j.LeaseExpiresAt == null || j.LeaseExpiresAt < now, ct),
                Leased: await open.CountAsync(j => j.LeaseExpiresAt != null && j.LeaseExpiresAt >= now, ct),
                Retrying: await open.CountAsync(j => j.Attempts > 0 && j.LastError != null, ct)),
            metrics.Summary()));
    }
}

public sealed record ProvisioningSnapshot(IReadOnlyDictionary<string, int> OrdersByStatus, JobCounts Jobs, IReadOnlyList<VendorCallSummary> VendorCalls);

public sealed record JobCounts(int Waiting, int Leased, int Retrying);

using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

public sealed record BulkRetryRequest(IReadOnlyList<long>? OrderIds);

/// <summary>What became of one order of a bulk retry.</summary>
[JsonConverter(typeof(ApiEnumConverter<BulkRetryOutcome>))]
public enum BulkRetryOutcome
{
    /// <summary>Its failed items were sent to the vendors again.</summary>
    Retried,
    /// <summary>A vendor refused an item for a reason a retry as it is would not fix: correct it on the order.</summary>
    NeedsCorrection,
    /// <summary>It is not (or no longer) provisioningFailed.</summary>
    NotFailed,
    /// <summary>It changed while the retry was being made; look at it again.</summary>
    Changed,
    /// <summary>No such order among the caller's customers' orders.</summary>
    NotFound,
}

public sealed record BulkRetryResultDto(long OrderId, BulkRetryOutcome Outcome, Guid? CustomerId, OrderStatus? Status);

public sealed record BulkRetryDto(IReadOnlyList<BulkRetryResultDto> Items);

/// <summary>
/// The bulk action of Needs attention that is safe: retrying, as they are, failed orders whose rejected
/// items need no correction (<see cref="OrderItem.NeedsCorrection"/>: the vendor was never reached). Each
/// order goes through <see cref="OrderCommands.RetryAsync"/> in its own customer's context, at the version
/// read here, so an order that changed in between is left alone and reported, never retried blindly.
/// </summary>
public static class BulkRetry
{
    public const int MaxOrders = BulkOrderRun.MaxOrders;

    public static async Task<BulkRetryDto> RetryAsync(AppDbContext db, Actor actor, TimeProvider clock, BulkRetryRequest? request,
        ILogger logger, CancellationToken ct)
    {
        var ids = BulkOrderRun.Validate(request is not null, request?.OrderIds, "{ orderIds: [...] }");
        if (!actor.CanBuy) throw new ForbiddenException("Your role may see orders but not buy or change subscriptions.");

        var run = new BulkOrderRun(db, actor, logger, ct);
        var found = await BulkOrderRun.Orders(db, actor, ids)
            .Select(o => new
            {
                o.Id, o.CustomerId, o.Status, o.Version, o.VisibleVersion,
                NeedsCorrection = db.OrderItems.Where(i => i.OrderId == o.Id).Any(OrderItem.NeedsCorrection),
            })
            .ToDictionaryAsync(o => o.Id, ct);

        var results = new List<BulkRetryResultDto>();
        foreach (var id in ids)
        {
            if (!found.TryGetValue(id, out var order))
            {
                results.Add(new BulkRetryResultDto(id, BulkRetryOutcome.NotFound, null, null));
                continue;
            }
            var outcome = order.Status != OrderStatus.ProvisioningFailed ? BulkRetryOutcome.NotFailed
                : order.NeedsCorrection ? BulkRetryOutcome.NeedsCorrection
                : BulkRetryOutcome.Retried;
            var status = order.Status;
            if (outcome == BulkRetryOutcome.Retried)
            {
                var after = await run.ActAsync(id, order.CustomerId, order.Version, order.VisibleVersion, "retried",
                    (ctx, etag) => OrderCommands.RetryAsync(db, ctx, clock, id, request: null, etag, ct));
                if (after is { } s) status = s;
                else outcome = BulkRetryOutcome.Changed;
            }
            results.Add(new BulkRetryResultDto(id, outcome, order.CustomerId, status));
        }
        return new BulkRetryDto(results);
    }
}

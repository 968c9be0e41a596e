using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

public sealed record BulkRetryRequest(IReadOnlyList<long>? OrderIds);

/// <summary>What became of one order of a bulk retry.</summary>
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
    public const int MaxOrders = AttentionQueries.MaxItems;

    public static async Task<BulkRetryDto> RetryAsync(AppDbContext db, Actor actor, TimeProvider clock, BulkRetryRequest? request,
        ILogger logger, CancellationToken ct)
    {
        var ids = Validate(request);
        if (!actor.CanBuy) throw new ForbiddenException("Your role may see orders but not buy or change subscriptions.");

        var found = await db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor)
            .Where(o => ids.Contains(o.Id))
            .Select(o => new
            {
                o.Id, o.CustomerId, o.Status, o.Version, o.VisibleVersion,
                NeedsCorrection = db.OrderItems.Where(i => i.OrderId == o.Id).Any(OrderItem.NeedsCorrection),
            })
            .ToDictionaryAsync(o => o.Id, ct);

        var contexts = new Dictionary<Guid, CustomerContext>();
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
                if (!contexts.TryGetValue(order.CustomerId, out var ctx))
                    contexts[order.CustomerId] = ctx = await Entitlements.ResolveCustomerAsync(db, actor, order.CustomerId, ct);
                var seen = OrderVisibility.VersionSeenBy(ctx, order.Version, order.VisibleVersion);
                try
                {
                    status = (await OrderCommands.RetryAsync(db, ctx, clock, id, request: null, OrderVersion.ETag(seen), ct)).Status;
                    logger.LogInformation("User {UserId} ({OrganizationId}) retried order {OrderNumber} of customer {CustomerId} from Needs attention",
                        actor.UserId, actor.OrganizationId, id, order.CustomerId);
                }
                catch (Exception e) when (e is ConcurrencyConflictException or DomainException or DbUpdateConcurrencyException)
                {
                    // Someone acted on it meanwhile (retried, closed, noted): what they did stands.
                    db.ChangeTracker.Clear();
                    outcome = BulkRetryOutcome.Changed;
                }
            }
            results.Add(new BulkRetryResultDto(id, outcome, order.CustomerId, status));
        }
        return new BulkRetryDto(results);
    }

    /// <summary>1 to <see cref="MaxOrders"/> positive order numbers, each once (400 naming the field).</summary>
    private static List<long> Validate(BulkRetryRequest? request)
    {
        if (request is null) throw RequestValidationException.For("body", "A JSON body { orderIds: [...] } is required.");
        if (request.OrderIds is not { Count: > 0 and <= MaxOrders } ids)
            throw RequestValidationException.For("orderIds", $"Between 1 and {MaxOrders} order numbers.");
        var errors = new ValidationErrors();
        for (var i = 0; i < ids.Count; i++)
            if (ids[i] <= 0) errors.Add($"orderIds[{i}]", "An order number is a positive whole number.");
        errors.ThrowIfAny();
        return ids.Distinct().ToList();
    }
}

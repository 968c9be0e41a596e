using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

[System.ComponentModel.Description("The orders to approve, and an optional comment kept in each one's events.")]
public sealed record BulkApproveRequest(IReadOnlyList<long>? OrderIds, string? Comment = null);

/// <summary>What became of one order of a bulk approval.</summary>
[JsonConverter(typeof(ApiEnumConverter<BulkApproveOutcome>))]
public enum BulkApproveOutcome
{
    /// <summary>It goes on: to the vendors now, or scheduled.</summary>
    Approved,
    /// <summary>The caller may not decide on it (<c>reason</c> says why: their own order, or a role the rule does not name).</summary>
    NotAllowed,
    /// <summary>It is not (or no longer) pendingApproval.</summary>
    NotPending,
    /// <summary>It changed while the approval was being made; look at it again.</summary>
    Changed,
    /// <summary>No such order among the caller's customers' orders.</summary>
    NotFound,
}

public sealed record BulkApproveResultDto(long OrderId, BulkApproveOutcome Outcome, Guid? CustomerId, OrderStatus? Status, string? Reason);

public sealed record BulkApproveDto(IReadOnlyList<BulkApproveResultDto> Items);

/// <summary>A pending order the caller may approve, and when it would run if scheduled (null: sent to the vendors at once).</summary>
public sealed record ApprovableOrder(long OrderId, DateTime? ScheduledFor);

/// <summary>
/// The approvers' bulk action of Needs attention: each named <c>pendingApproval</c> order the caller may decide
/// (<see cref="ApprovalRules.DecisionRefusal"/>) is approved through <see cref="OrderCommands.ApproveAsync"/> in its
/// customer's context, as <c>POST /orders/{id}/approve</c> would; the others are answered with why not.
/// </summary>
public static class BulkApprove
{
    public static async Task<BulkApproveDto> ApproveAsync(AppDbContext db, Actor actor, TimeProvider clock, BulkApproveRequest? request,
        ILogger logger, CancellationToken ct)
    {
        var ids = BulkOrderRun.Validate(request is not null, request?.OrderIds, "{ orderIds: [...], comment? }");
        OrderCommands.CheckApprovalComment(request!.Comment);
        if (!actor.Roles.Any(Permissions.MayApprove)) throw new ForbiddenException(ApprovalRules.ReadOnlyRefusal);

        var run = new BulkOrderRun(db, actor, logger, ct);
        var found = await BulkOrderRun.Orders(db, actor, ids).ToDictionaryAsync(o => o.Id, ct);
        var results = new List<BulkApproveResultDto>();
        foreach (var id in ids)
        {
            if (!found.TryGetValue(id, out var order))
            {
                results.Add(new BulkApproveResultDto(id, BulkApproveOutcome.NotFound, null, null, null));
                continue;
            }
            if (order.Status != OrderStatus.PendingApproval)
            {
                results.Add(new BulkApproveResultDto(id, BulkApproveOutcome.NotPending, order.CustomerId, order.Status, null));
                continue;
            }
            if (ApprovalRules.DecisionRefusal(actor, order) is { } refusal)
            {
                results.Add(new BulkApproveResultDto(id, BulkApproveOutcome.NotAllowed, order.CustomerId, order.Status, refusal));
                continue;
            }
            var after = await run.ActAsync(id, order.CustomerId, order.Version, order.VisibleVersion, "approved",
                (ctx, etag) => OrderCommands.ApproveAsync(db, ctx, clock, id, new ApproveRequest(request.Comment), etag, ct));
            results.Add(after is { } status
                ? new BulkApproveResultDto(id, BulkApproveOutcome.Approved, order.CustomerId, status, null)
                : new BulkApproveResultDto(id, BulkApproveOutcome.Changed, order.CustomerId, order.Status, null));
        }
        return new BulkApproveDto(results);
    }

    /// <summary>Which of these orders the caller may approve now (the Needs attention page offers those), in the order given.</summary>
    public static async Task<List<ApprovableOrder>> ApprovableAsync(AppDbContext db, Actor actor, IEnumerable<long> orderIds, CancellationToken ct)
    {
        var ids = orderIds.ToList();
        if (ids.Count == 0 || !actor.Roles.Any(Permissions.MayApprove)) return [];
        var pending = await BulkOrderRun.Orders(db, actor, ids).Where(o => o.Status == OrderStatus.PendingApproval).ToDictionaryAsync(o => o.Id, ct);
        return ids.Where(id => pending.TryGetValue(id, out var o) && ApprovalRules.MayDecide(actor, o))
            .Select(id => new ApprovableOrder(id, pending[id].ScheduledFor)).ToList();
    }
}

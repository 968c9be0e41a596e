using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

/// <summary>
/// What the bulk actions of Needs attention (<see cref="BulkRetry"/>, <see cref="BulkApprove"/>) share: the
/// list of orders they take, and acting on one order as its own endpoint would, in its customer's context, at
/// the version read before, so an order that changed in between is left alone and reported, never acted on blindly.
/// </summary>
public sealed class BulkOrderRun(AppDbContext db, Actor actor, ILogger logger, CancellationToken ct)
{
    public const int MaxOrders = AttentionQueries.MaxItems;

    private readonly Dictionary<Guid, CustomerContext> contexts = [];

    /// <summary>1 to <see cref="MaxOrders"/> positive order numbers, each once (400 naming the field).</summary>
    public static List<long> Validate(bool hasBody, IReadOnlyList<long>? orderIds, string bodyShape)
    {
        if (!hasBody) throw RequestValidationException.For("body", $"A JSON body {bodyShape} is required.");
        if (orderIds is not { Count: > 0 and <= MaxOrders } ids)
            throw RequestValidationException.For("orderIds", $"Between 1 and {MaxOrders} order numbers.");
        var errors = new ValidationErrors();
        for (var i = 0; i < ids.Count; i++)
            if (ids[i] <= 0) errors.Add($"orderIds[{i}]", "An order number is a positive whole number.");
        errors.ThrowIfAny();
        return ids.Distinct().ToList();
    }

    /// <summary>The named orders among those of the caller's customers (an order not here is <c>notFound</c>).</summary>
    public static IQueryable<Order> Orders(AppDbContext db, Actor actor, List<long> ids) =>
        db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor).Where(o => ids.Contains(o.Id));

    /// <summary>
    /// Runs one order's command in its customer's context with the ETag of the version read: the status it left
    /// the order in, or null when the order changed meanwhile (what others did stands).
    /// </summary>
    public async Task<OrderStatus?> ActAsync(long id, Guid customerId, int version, int visibleVersion, string done,
        Func<CustomerContext, string, Task<OrderDetailDto>> command)
    {
        if (!contexts.TryGetValue(customerId, out var ctx))
            contexts[customerId] = ctx = await Entitlements.ResolveCustomerAsync(db, actor, customerId, ct);
        var seen = OrderVisibility.VersionSeenBy(ctx, version, visibleVersion);
        try
        {
            var status = (await command(ctx, OrderVersion.ETag(seen))).Status;
            logger.LogInformation("User {UserId} ({OrganizationId}) {Done} order {OrderNumber} of customer {CustomerId} from Needs attention",
                actor.UserId, actor.OrganizationId, done, id, customerId);
            return status;
        }
        catch (Exception e) when (e is ConcurrencyConflictException or DomainException or DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return null;
        }
    }
}

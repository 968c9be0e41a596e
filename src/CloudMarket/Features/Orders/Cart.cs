using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The signed-in user's cart in a Customer View: their newest order still in <c>started</c>, its item
/// count for the navigation, and "add this change to my cart" (the catalog and subscription pages).
/// </summary>
public static class Cart
{
    /// <summary>The signed-in user's cart in this Customer View: their newest order still in <c>started</c>.</summary>
    public static Task<long?> CurrentIdAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        CurrentCartId(db, ctx).FirstOrDefaultAsync(ct);

    /// <summary>How many items of the user's cart they can see (shown next to "Cart" in the navigation); 0 without a cart. One query.</summary>
    public static Task<int> ItemCountAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        // The cart's id as a subquery of this one statement: a method call inside the lambda would be evaluated by EF Core
        // on its own before the statement, as a parameter (a second round trip, and a synchronous one, which multiplexed
        // connections refuse: docs/performance.md point 34).
        var cart = CurrentCartId(db, ctx);
        return db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx))
            .Where(i => i.OrderId == cart.FirstOrDefault())
            .CountAsync(ct);
    }

    private static IQueryable<long?> CurrentCartId(AppDbContext db, CustomerContext ctx) =>
        db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Where(o => o.Status == OrderStatus.Started && o.CreatedByUserId == ctx.Actor.UserId)
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Select(o => (long?)o.Id);

    /// <summary>
    /// Adds one requested change to the user's cart, opening a cart (a new order in <c>started</c>)
    /// when there is none. Field errors come back under the item's own field names.
    /// </summary>
    public static async Task<OrderDetailDto> AddAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, OrderOptions limits,
        OrderItemRequest item, CancellationToken ct)
    {
        var cartId = await CurrentIdAsync(db, ctx, ct);
        if (cartId is { } id)
            return await OrderCommands.AddItemAsync(db, ctx, clock, limits, id, item, ifMatch: null, ct);
        try
        {
            return await OrderCommands.CreateAsync(db, ctx, clock, limits, new CreateOrderRequest(null, [item]), ct);
        }
        catch (RequestValidationException e)
        {
            const string prefix = "items[0].";
            throw new RequestValidationException(
                e.Errors.ToDictionary(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) ? kv.Key[prefix.Length..] : kv.Key, kv => kv.Value),
                e.Message);
        }
    }
}

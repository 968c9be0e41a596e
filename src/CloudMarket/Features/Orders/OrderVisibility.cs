using System.Linq.Expressions;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;

namespace CloudMarket.Features.Orders;

/// <summary>
/// What of an order a caller may see — the one rule, applied in the queries used by the API,
/// the pages and the export alike. Customer-level users never see markup changes, and an order
/// made only of markup changes does not exist for them.
/// </summary>
public static class OrderVisibility
{
    public static bool SeesMarkup(CustomerContext ctx) => SeesMarkup(ctx.Actor);

    private static bool SeesMarkup(Actor actor) => actor.SeesMarkupAndCost;

    /// <summary>
    /// The orders of every customer the actor may act for (<see cref="Entitlements"/>), as the actor may see
    /// them: the cross-customer views of the workspace (Needs attention, the customer list).
    /// </summary>
    public static IQueryable<Order> VisibleAcrossCustomers(this IQueryable<Order> orders, AppDbContext db, Actor actor)
    {
        var customers = Entitlements.CustomersVisibleTo(db, actor).Select(c => c.Id);
        var query = orders.Where(o => customers.Contains(o.CustomerId));
        return SeesMarkup(actor) ? query : query.Where(NotMarkupOnly);
    }

    /// <summary>
    /// The orders of the customer in view that the caller may see. <paramref name="valuesWrittenIn"/> sends the statement
    /// with its values, the customer among them, written into the SQL (<see cref="ValuesWrittenIn"/>), for statements planned
    /// best for their own values (search): a prepared statement's generic plan assumes an average customer (500 orders)
    /// and, for one with 200,000, ANDs in a scan of all of them (docs/performance.md).
    /// </summary>
    public static IQueryable<Order> VisibleOrders(this IQueryable<Order> orders, CustomerContext ctx, bool valuesWrittenIn = false)
    {
        var customerId = ctx.CustomerId;
        var query = (valuesWrittenIn ? orders.WithValuesWrittenIn() : orders).Where(o => o.CustomerId == customerId);
        return SeesMarkup(ctx) ? query : query.Where(NotMarkupOnly);
    }

    /// <summary>
    /// Which of its customer's orders a caller who does or does not see markup is shown, as an expression: for queries
    /// compiled once per kind of caller (<see cref="VisibleOrders"/> and <see cref="VisibleAcrossCustomers"/> apply the same).
    /// </summary>
    public static Expression<Func<Order, bool>> VisibleOrderOfCustomer(bool seesMarkup) => seesMarkup ? _ => true : NotMarkupOnly;

    /// <summary>An order that changes more than markup alone: what a caller who does not see markup is shown of its orders.</summary>
    private static readonly Expression<Func<Order, bool>> NotMarkupOnly = o => !o.IsMarkupOnly;

    /// <summary>The internal note, in every answer, export and payload built for this caller: seller and distributor levels only.</summary>
    public static string? InternalNoteSeenBy(CustomerContext ctx, string? internalNote) => ctx.Actor.SeesInternalNotes ? internalNote : null;

    /// <summary><see cref="VisibleOrders"/> for an order already in memory: the same rule.</summary>
    public static bool SeesOrder(CustomerContext ctx, Order order) =>
        order.CustomerId == ctx.CustomerId && (SeesMarkup(ctx) || !order.IsMarkupOnly);

    public static bool SeesItem(CustomerContext ctx, OrderItemKind kind) => SeesMarkup(ctx) || kind != OrderItemKind.ChangeMarkup;

    /// <summary>The item filter as an expression, for queries that load items.</summary>
    public static Expression<Func<OrderItem, bool>> VisibleItem(CustomerContext ctx) => VisibleItem(ctx.Actor);

    public static Expression<Func<OrderItem, bool>> VisibleItem(Actor actor) => VisibleItem(SeesMarkup(actor));

    /// <summary>The item filter for a caller who does or does not see markup: for queries compiled once per kind of caller.</summary>
    public static Expression<Func<OrderItem, bool>> VisibleItem(bool seesMarkup) =>
        seesMarkup ? _ => true : i => i.Kind != OrderItemKind.ChangeMarkup;

    public static bool SeesEvent(CustomerContext ctx, OrderEvent e) => SeesMarkup(ctx) || !e.ConcernsOnlyMarkup;

    /// <summary>
    /// The order's version as this caller sees it — in <c>version</c>, the ETag and the If-Match check:
    /// customer-level users get the one that ignores hidden markup changes (<see cref="Order.VisibleVersion"/>),
    /// so they cannot count a seller's markup edits.
    /// </summary>
    public static int VersionSeenBy(CustomerContext ctx, int version, int visibleVersion) => SeesMarkup(ctx) ? version : visibleVersion;

    public static int VersionSeenBy(CustomerContext ctx, Order order) => VersionSeenBy(ctx, order.Version, order.VisibleVersion);

    /// <summary>When the order last changed, as this caller sees it (see <see cref="VersionSeenBy(CustomerContext, Order)"/>).</summary>
    public static DateTime UpdatedAtSeenBy(CustomerContext ctx, Order order) => SeesMarkup(ctx) ? order.UpdatedAt : order.VisibleUpdatedAt;
}

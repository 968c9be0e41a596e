using System.ComponentModel;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>One item as placing would buy it, priced for the caller's role.</summary>
[Description("An item of the preview: its prices for the caller's role (as in the order's items) and until when it could be taken back " +
    "if the order were placed now (a purchase, or the licences an increase adds; null when it opens no cancellation window).")]
public sealed record PreviewItemDto(Guid Id, OrderItemKind Kind, string Description, ItemPricesDto Prices, DateTime? CancellableUntil);

/// <summary>What placing the order now would do and say, without placing it (workflow.md, "Preview").</summary>
[Description("What placing the order now would do and say, with nothing changed: `canPlace`; `refusal`, the words of the 409 placing would " +
    "answer (the order's status does not allow placing), or null; `errors`, every problem of the 400 placing would answer, by field, " +
    "in the same words (empty when it would be placed); the totals per billing cycle and the items' prices for the caller's role; " +
    "each item's cancellation deadline after purchase; `approval` and `schedule`.")]
public sealed record OrderPreviewDto(
    long OrderId,
    int Version,
    bool CanPlace,
    string? Refusal,
    IDictionary<string, string[]> Errors,
    IReadOnlyList<CycleTotalsDto> Totals,
    IReadOnlyList<PreviewItemDto> Items,
    // Filled by the approvals and scheduling work (workflow.md, "Approvals", "Scheduling"): which approval rule
    // placing would match, and when the order would run. Null until then: no rule applies, and it runs now.
    [property: Description("The approval rule placing would match; null when none applies.")] object? Approval = null,
    [property: Description("When the order would run; null: at once.")] object? Schedule = null);

/// <summary>
/// The preview of placing: the same checks in the same words as <see cref="OrderCommands.PlaceAsync"/> (the
/// transition table, then <see cref="OrderValidator"/>, every problem at once), the same price projection as
/// the order's own answer, and nothing saved — the order keeps its version.
/// </summary>
public static class OrderPreview
{
    public static async Task<OrderPreviewDto> PreviewAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().VisibleOrders(ctx).Include(o => o.Items).SingleOrDefaultAsync(o => o.Id == id, ct)
                    ?? throw new NotFoundException($"Order {id}");
        OrderCommands.EnsureCanBuy(ctx);
        var now = clock.GetUtcNow().UtcDateTime;

        // As placing: a status that cannot be placed is refused before any item is looked at.
        var refusal = OrderLifecycle.Allows(order.Status, OrderAction.Place) ? null : OrderLifecycle.Refusal(order.Status, OrderAction.Place);
        IDictionary<string, string[]> errors = new Dictionary<string, string[]>();
        if (refusal is null)
        {
            var validator = await OrderValidator.LoadAsync(db, ctx, order, now, ct);
            errors = validator.PlacingProblems(order);
        }

        var items = order.Items.Where(i => OrderVisibility.SeesItem(ctx, i.Kind)).OrderBy(i => i.Position).ToList();
        // A purchase, or the licences an increase adds, open a cancellation window; other changes none.
        static bool Opens(OrderItem i) => i.Kind is OrderItemKind.NewSubscription or OrderItemKind.IncreaseQuantity;
        var openers = items.Where(Opens).Select(i => i.OfferId).Distinct().ToList();
        var windows = await db.Offers.AsNoTracking().Where(o => openers.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.CancellationWindowHours, ct);
        var seesCost = ctx.Actor.SeesMarkupAndCost;
        return new OrderPreviewDto(order.Id, OrderVisibility.VersionSeenBy(ctx, order), refusal is null && errors.Count == 0, refusal, errors,
            OrderQueries.Totals(items, order.Currency, seesCost),
            items.Select(i => new PreviewItemDto(i.Id, i.Kind, i.Description, OrderQueries.ToItem(i, seesCost, ctx.Actor.SeesVendorCost).Prices,
                // Counted from now: the window opens when the vendor carries the item out, a little later.
                Opens(i) ? CancellationPolicy.WindowOf(windows.GetValueOrDefault(i.OfferId), now)?.ClosesAt : null)).ToList());
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The live state of orders in flight that the Orders pages render and wwwroot/js/app.js polls
/// (through <c>/orders/live</c>) until nothing moves any more.
/// </summary>
public static class OrderLiveStatus
{
    public sealed record LiveOrderDto(long Id, OrderStatus Status, string Label, int Version, int Items, int Settled, bool InFlight);

    /// <summary>
    /// The live state of some orders, as the visibility rule lets the caller see them. The page
    /// renders the same signature, so the first poll already tells whether anything moved since.
    /// </summary>
    public sealed record LiveDto(IReadOnlyList<LiveOrderDto> Items, string Signature, bool InFlight);

    public static async Task<LiveDto> QueryAsync(AppDbContext db, CustomerContext ctx, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return new LiveDto([], "", false);
        var orders = await db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Where(o => ids.Contains(o.Id))
            .Select(o => new { o.Id, o.Status, o.Version, o.VisibleVersion })
            .ToListAsync(ct);
        // Item answers do not always bump the order's version, so progress is counted from the items themselves.
        var items = await db.OrderItems.AsNoTracking()
            .Where(i => ids.Contains(i.OrderId)).Where(OrderVisibility.VisibleItem(ctx))
            .GroupBy(i => i.OrderId)
            .Select(g => new
            {
                OrderId = g.Key,
                Total = g.Count(),
                Settled = g.Count(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished
                                       || i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed),
            })
            .ToListAsync(ct);
        var counts = items.ToDictionary(i => i.OrderId);
        var live = orders.OrderBy(o => o.Id).Select(o =>
        {
            var c = counts.GetValueOrDefault(o.Id);
            return new LiveOrderDto(o.Id, o.Status, OrderLifecycle.Label(o.Status), OrderVisibility.VersionSeenBy(ctx, o.Version, o.VisibleVersion), c?.Total ?? 0, c?.Settled ?? 0, OrderLifecycle.IsInFlight(o.Status));
        }).ToList();
        var signature = string.Join('|', live.Select(o => $"{o.Id}:{ApiNames.Of(o.Status)}:{o.Version}:{o.Settled}"));
        return new LiveDto(live, signature, live.Any(o => o.InFlight));
    }

    /// <summary>
    /// The live state a page may carry for the orders it rendered. The page reads its orders, then this state, in
    /// two reads: when an order moved in between (the worker settled it meanwhile, or the page read a replica that
    /// had not caught up), the newer signature would make the first poll find nothing moved and leave the old status
    /// on screen for good. Then the signature is left empty, so the first poll differs and the page refreshes.
    /// </summary>
    public static LiveDto AsRendered(this LiveDto live, IEnumerable<(long Id, OrderStatus Status)> rendered)
    {
        var current = live.Items.ToDictionary(i => i.Id, i => i.Status);
        return rendered.Any(r => !current.TryGetValue(r.Id, out var now) || now != r.Status)
            ? live with { Signature = "", InFlight = true }
            : live;
    }
}

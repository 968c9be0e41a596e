using System.Runtime.CompilerServices;
using CloudMarket.Features.Orders;

namespace CloudMarket.Features.Integrations;

/// <summary>
/// The trace an order's changes belong to, when one save carries several orders' work (the provisioning worker starts
/// and settles a batch of orders in one save): the integration events recorded for each order carry its own trace, not
/// whichever span happens to be current when the batch is saved. Kept beside the tracked order object, so it lives as
/// long as that unit of work's order does; an order without one takes the current span's (a request's save).
/// </summary>
public static class OrderTraces
{
    private static readonly ConditionalWeakTable<Order, string> Traces = new();

    public static void Set(Order order, string? traceParent)
    {
        if (traceParent is not null) Traces.AddOrUpdate(order, traceParent);
    }

    public static string? Of(Order order) => Traces.TryGetValue(order, out var trace) ? trace : null;
}

using System.Globalization;
using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>When a placed order runs (workflow.md, Scheduling).</summary>
[JsonConverter(typeof(ApiEnumConverter<ScheduleKind>))]
public enum ScheduleKind { Now, OnRenewal, At }

/// <summary><c>schedule</c> in requests: <c>{ "when": "at", "at": "2026-12-15T00:00:00Z" }</c>.</summary>
[System.ComponentModel.Description("When the order runs once placed: `now` (the default), `onRenewal` (every item changes an existing " +
    "subscription, all renewing at the same moment) or `at` a moment in the future (`at`, ISO-8601, UTC unless an offset is given).")]
[ApiName("a schedule")]
public sealed record ScheduleRequest(ScheduleKind? When, DateTime? At = null);

/// <summary><c>schedule</c> in answers; <c>at</c> only for <c>when: at</c>.</summary>
public sealed record ScheduleDto(ScheduleKind When, DateTime? At);

/// <summary>The rule that holds an order for approval, as placing found it (<see cref="ApprovalRules.MatchAsync"/>).</summary>
public sealed record ApprovalMatch(string Rule, IReadOnlyList<Role> Approvers, bool ConcernsMarkup);

/// <summary>The schedule's rules that need the database: one scheduled order of each kind per subscription.</summary>
public static class OrderSchedule
{
    /// <summary>How far ahead a moment may be scheduled.</summary>
    public const int MaxYearsAhead = 5;

    /// <summary>A scheduled moment in messages and events: "2026-12-15 00:00 UTC".</summary>
    public static string Moment(DateTime? at) =>
        at is { } t ? t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "when placed";

    /// <summary>The statuses of an order that holds its schedule: placed and not yet run, withdrawn or decided against.</summary>
    private static readonly OrderStatus[] Holding = [OrderStatus.Scheduled, OrderStatus.PendingApproval];

    /// <summary>
    /// A subscription has at most one scheduled order of each kind (onRenewal, at) at a time: 409 naming
    /// the order that already holds it. Among the orders the caller can see, so a seller's markup-only
    /// order neither blocks nor shows through to a customer.
    /// </summary>
    public static async Task EnsureNoOtherScheduledAsync(AppDbContext db, CustomerContext ctx, Order order, CancellationToken ct)
    {
        if (order.Schedule == ScheduleKind.Now) return;
        var subscriptionIds = order.Items.Where(i => i.SubscriptionId is not null).Select(i => i.SubscriptionId!.Value).Distinct().ToList();
        if (subscriptionIds.Count == 0) return;
        var other = await OtherHoldingItems(db, ctx, order.Id, order.Schedule, subscriptionIds)
            .Select(i => new { Id = i.OrderId, i.OfferName }).FirstOrDefaultAsync(ct);
        if (other is not null)
            throw new DomainException($"{other.OfferName} already has a change scheduled {(order.Schedule == ScheduleKind.OnRenewal ? "on renewal" : "at a date")}: " +
                $"order #{other.Id}. A subscription has one scheduled order of each kind at a time; cancel that order or change it instead.");
    }

    /// <summary>
    /// The items on these subscriptions of the customer's other orders holding a schedule of this kind, lowest order first.
    /// The customer is written into the SQL: the prepared statement's generic plan, made for an average customer with one
    /// scheduled order, would read all of a big customer's and probe the subscriptions' items for each; knowing the customer,
    /// it reads those few items first (as <c>SubscriptionQueries.ScheduledOrdersOf</c>; docs/performance.md point 33).
    /// </summary>
    internal static IQueryable<OrderItem> OtherHoldingItems(AppDbContext db, CustomerContext ctx, long orderId, ScheduleKind kind,
        List<Guid> subscriptionIds)
    {
        var holding = db.Orders.VisibleOrders(ctx, valuesWrittenIn: true)
            .Where(o => o.Id != orderId && o.Schedule == kind && Holding.Contains(o.Status)).Select(o => o.Id);
        return db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx))
            .Where(i => holding.Contains(i.OrderId) && i.SubscriptionId != null && subscriptionIds.Contains(i.SubscriptionId.Value))
            .OrderBy(i => i.OrderId);
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

/// <summary>Why something is on the Needs attention queue; the order of the values is the order of the queue.</summary>
public enum AttentionKind { ProvisioningFailed, Stuck, PendingApproval, ScheduledSoon, WindowClosing }

/// <summary>How many of each kind there are, however many rows the answer lists.</summary>
public sealed record AttentionCountsDto(int ProvisioningFailed, int Stuck, int PendingApproval, int ScheduledSoon, int WindowClosing)
{
    public int Of(AttentionKind kind) => kind switch
    {
        AttentionKind.ProvisioningFailed => ProvisioningFailed,
        AttentionKind.Stuck => Stuck,
        AttentionKind.PendingApproval => PendingApproval,
        AttentionKind.ScheduledSoon => ScheduledSoon,
        _ => WindowClosing,
    };
}

/// <summary>
/// One thing that needs a person. An order's row names the order (<c>orderId</c>, <c>number</c> as people
/// write it, <c>status</c>); a <c>windowClosing</c> row concerns a subscription, not an order: it names the
/// subscription and has no order, number or status (null).
/// </summary>
public sealed record AttentionItemDto(
    AttentionKind Kind,
    Guid CustomerId,
    string CustomerName,
    long? OrderId,
    string? Number,
    OrderStatus? Status,
    DateTime Since,
    string Summary,
    Guid? SubscriptionId,
    DateTime? Due,
    bool RetryableAsIs);

public sealed record AttentionDto(AttentionCountsDto Counts, IReadOnlyList<AttentionItemDto> Items);

/// <summary>
/// Needs attention: across every customer below a seller- or distributor-level user, the orders and
/// subscriptions that need a person now. Each kind is one query in <see cref="Matching"/>; counts are
/// aggregated in SQL, the rows are bounded (<see cref="MaxItems"/>) and then described with one query per
/// table, so a million orders cost a few indexed reads (the statuses are rare, the customer is indexed).
/// </summary>
public static class AttentionQueries
{
    /// <summary>The most rows one answer lists; the counts are always complete.</summary>
    public const int MaxItems = 200;

    /// <summary>
    /// The statuses whose orders can be stuck: those the worker owns and moves on by itself (queued for the
    /// vendors, with the vendors, being applied), so no movement for a while means something is wrong.
    /// </summary>
    private static readonly OrderStatus[] WorkerOwned = Enum.GetValues<OrderStatus>().Where(OrderLifecycle.IsInFlight).ToArray();

    public static async Task<AttentionDto> GetAsync(AppDbContext db, Actor actor, AttentionOptions options, DateTime now,
        AttentionKind? only, CancellationToken ct)
    {
        var counts = new Dictionary<AttentionKind, int>();
        var rows = new List<Row>();
        foreach (var kind in Enum.GetValues<AttentionKind>())
        {
            var matching = Matching(kind, db, actor, options, now);
            counts[kind] = await matching.CountAsync(ct);
            if (counts[kind] == 0 || (only is { } o && o != kind) || rows.Count >= MaxItems)
                continue;
            // The longest waiting first; a window, the soonest to close.
            var page = await matching.OrderBy(r => r.Due ?? r.Since).ThenBy(r => r.OrderId).ThenBy(r => r.SubscriptionId)
                .Take(MaxItems - rows.Count).ToListAsync(ct);
            foreach (var r in page) r.Kind = kind;
            rows.AddRange(page);
        }
        return new AttentionDto(
            new AttentionCountsDto(counts[AttentionKind.ProvisioningFailed], counts[AttentionKind.Stuck], counts[AttentionKind.PendingApproval],
                counts[AttentionKind.ScheduledSoon], counts[AttentionKind.WindowClosing]),
            await DescribeAsync(db, actor, rows, ct));
    }

    /// <summary>
    /// The one place of each kind's rule: which rows of the actor's customers are of that kind, and since when.
    /// </summary>
    private static IQueryable<Row> Matching(AttentionKind kind, AppDbContext db, Actor actor, AttentionOptions options, DateTime now)
    {
        var orders = db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor);
        switch (kind)
        {
            case AttentionKind.ProvisioningFailed:
                return OrderRows(db, orders.Where(o => o.Status == OrderStatus.ProvisioningFailed));
            case AttentionKind.Stuck:
                var movedBefore = now.AddMinutes(-options.StuckAfterMinutes);
                return OrderRows(db, orders.Where(o => WorkerOwned.Contains(o.Status))).Where(r => r.Since < movedBefore);
            case AttentionKind.PendingApproval:
                return OrderRows(db, orders.Where(o => o.Status == OrderStatus.PendingApproval));
            case AttentionKind.ScheduledSoon:
                var soon = now.AddDays(options.ScheduledWithinDays);
                return OrderRows(db, orders.Where(o => o.Status == OrderStatus.Scheduled && o.ScheduledFor <= soon), dueWhenScheduled: true);
            case AttentionKind.WindowClosing:
                return WindowClosingRows(db, actor, now, now.AddHours(options.WindowClosingWithinHours));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>
    /// Orders as rows: since the moment they entered their status (as the order page's "waiting since");
    /// a scheduled order is due when it runs.
    /// </summary>
    private static IQueryable<Row> OrderRows(AppDbContext db, IQueryable<Order> orders, bool dueWhenScheduled = false) =>
        orders.Select(o => new Row
        {
            CustomerId = o.CustomerId,
            OrderId = o.Id,
            SubscriptionId = null,
            Status = o.Status,
            Due = dueWhenScheduled ? o.ScheduledFor : null,
            Since = o.StatusChangedAt,
            RetryableAsIs = o.Status == OrderStatus.ProvisioningFailed
                            && !db.OrderItems.Where(i => i.OrderId == o.Id).Any(OrderItem.NeedsCorrection),
        });

    /// <summary>
    /// Subscriptions whose cancellation window closes within the horizon: <see cref="Subscription.CancellableUntil"/>
    /// (<see cref="CancellationPolicy"/>) written for SQL — the window opens when the current term began (the
    /// purchase, or the last renewal) and lasts the offer's hours. Since: when it opened; due: when it closes.
    /// </summary>
    private static IQueryable<Row> WindowClosingRows(AppDbContext db, Actor actor, DateTime now, DateTime horizon)
    {
        var customers = Entitlements.CustomersVisibleTo(db, actor).Select(c => c.Id);
        return db.Subscriptions.AsNoTracking()
            .Where(s => customers.Contains(s.CustomerId)
                        && (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended)
                        && s.Offer.CancellationWindowHours != null)
            .Select(s => new
            {
                s.Id,
                s.CustomerId,
                TermStart = s.RenewalDate.AddMonths(-s.TermMonths) > s.StartDate ? s.RenewalDate.AddMonths(-s.TermMonths) : s.StartDate,
                Hours = (double)s.Offer.CancellationWindowHours!.Value,
            })
            .Select(s => new Row
            {
                CustomerId = s.CustomerId, OrderId = null, SubscriptionId = s.Id, Status = null,
                Since = s.TermStart, Due = s.TermStart.AddHours(s.Hours), RetryableAsIs = false,
            })
            .Where(r => r.Since <= now && r.Due > now && r.Due <= horizon);
    }

    /// <summary>The rows in words: customers' names, the orders' items and the subscriptions' offers, one query each.</summary>
    private static async Task<List<AttentionItemDto>> DescribeAsync(AppDbContext db, Actor actor, List<Row> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var customerIds = rows.Select(r => r.CustomerId).Distinct().ToList();
        var names = await db.Organizations.AsNoTracking().Where(o => customerIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var orderIds = rows.Where(r => r.OrderId is not null).Select(r => r.OrderId!.Value).ToList();
        var items = orderIds.Count == 0
            ? []
            : await db.OrderItems.AsNoTracking().Where(i => orderIds.Contains(i.OrderId)).Where(OrderVisibility.VisibleItem(actor))
                .OrderBy(i => i.OrderId).ThenBy(i => i.Position).ToListAsync(ct);
        var itemsOf = items.ToLookup(i => i.OrderId);
        var subscriptionIds = rows.Where(r => r.SubscriptionId is not null).Select(r => r.SubscriptionId!.Value).ToList();
        var subscriptions = subscriptionIds.Count == 0
            ? []
            : await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id))
                .Select(s => new { s.Id, s.Quantity, OfferName = s.Offer.Name }).ToDictionaryAsync(s => s.Id, ct);

        return rows.Select(r =>
        {
            var summary = r.SubscriptionId is { } sid && subscriptions.TryGetValue(sid, out var s)
                ? $"{s.OfferName} × {s.Quantity}: licences can be decreased until {CancellationPolicy.Moment(r.Due!.Value)}."
                : r.Kind == AttentionKind.ProvisioningFailed
                    ? Rejections(itemsOf[r.OrderId!.Value].ToList())
                    : Changes(itemsOf[r.OrderId!.Value].ToList());
            return new AttentionItemDto(r.Kind, r.CustomerId, names.GetValueOrDefault(r.CustomerId, ""), r.OrderId,
                r.OrderId is { } id ? $"#{id}" : null, r.Status, Utc(r.Since), summary, r.SubscriptionId, r.Due is { } due ? Utc(due) : null, r.RetryableAsIs);
        }).ToList();
    }

    /// <summary>
    /// Moments computed in SQL (a window's opening and closing) come back without the kind the columns'
    /// converter gives on SQLite; every moment here is UTC, and the API writes it so.
    /// </summary>
    private static DateTime Utc(DateTime moment) => DateTime.SpecifyKind(moment, DateTimeKind.Utc);

    /// <summary>The first rejection in the vendor's words, and how many more there are.</summary>
    private static string Rejections(List<OrderItem> items)
    {
        var failed = items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed).ToList();
        if (failed.Count == 0) return Changes(items);
        var first = failed[0];
        var text = $"{first.Description}: rejected by {first.VendorName}: {first.ErrorMessage} ({first.ErrorCode})";
        return failed.Count == 1 ? text : $"{text}; and {failed.Count - 1} more rejected item(s)";
    }

    /// <summary>The requested changes, the first few of them.</summary>
    private static string Changes(List<OrderItem> items) =>
        items.Count == 0 ? "No items." :
        string.Join("; ", items.Take(3).Select(i => i.Description)) + (items.Count > 3 ? $"; and {items.Count - 3} more" : "");

    /// <summary>A row of one kind, as the queries project it (settable, so SQL can filter and sort on its members).</summary>
    private sealed class Row
    {
        public AttentionKind Kind { get; set; }
        public Guid CustomerId { get; set; }
        public long? OrderId { get; set; }
        public Guid? SubscriptionId { get; set; }
        public OrderStatus? Status { get; set; }
        public DateTime Since { get; set; }
        public DateTime? Due { get; set; }
        public bool RetryableAsIs { get; set; }
    }
}

/// <summary>The orders placed on one day (UTC) by what became of them so far.</summary>
public sealed record DayOutcomesDto(DateOnly Day, int Completed, int CompletedWithErrors, int Failed, int InProgress, int Other);

/// <summary>
/// A vendor's share of rejected items among the items it answered, as they stand now (an item rejected and
/// then retried successfully counts as provisioned); <c>failureRate</c> is 0 to 1.
/// </summary>
public sealed record VendorFailureRateDto(string Vendor, int Answered, int Rejected, double FailureRate);

public sealed record ActivityDto(DateOnly From, DateOnly To, IReadOnlyList<DayOutcomesDto> Days, IReadOnlyList<VendorFailureRateDto> Vendors);

/// <summary>
/// The chart of Needs attention: the last <see cref="Days"/> days' orders across the actor's customers, per
/// day by outcome and per vendor by failure rate, aggregated in SQL over the orders' (customer, date) index.
/// </summary>
public static class ActivityQueries
{
    public const int Days = 30;

    public static async Task<ActivityDto> LastDaysAsync(AppDbContext db, Actor actor, DateTime now, CancellationToken ct)
    {
        var to = DateOnly.FromDateTime(now);
        var from = to.AddDays(-(Days - 1));
        var since = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var placed = db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor).Where(o => o.PlacedAt != null && o.Date >= since);

        var perDay = await placed.GroupBy(o => new { o.Date.Date, o.Status })
            .Select(g => new { g.Key.Date, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        var byDay = perDay.ToLookup(r => DateOnly.FromDateTime(r.Date));
        var days = Enumerable.Range(0, Days).Select(i => from.AddDays(i)).Select(day =>
        {
            var rows = byDay[day].ToList();
            int Of(Func<OrderStatus, bool> outcome) => rows.Where(r => outcome(r.Status)).Sum(r => r.Count);
            var completed = Of(s => s == OrderStatus.Completed);
            var partly = Of(s => s == OrderStatus.CompletedWithErrors);
            var failed = Of(IsFailed);
            var open = Of(OrderLifecycle.IsInFlight);
            return new DayOutcomesDto(day, completed, partly, failed, open, rows.Sum(r => r.Count) - completed - partly - failed - open);
        }).ToList();

        var placedIds = placed.Select(o => o.Id);
        var vendors = await db.OrderItems.AsNoTracking()
            .Where(i => placedIds.Contains(i.OrderId) && i.Kind != OrderItemKind.ChangeMarkup
                        && (i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished || i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed))
            .GroupBy(i => i.VendorName)
            .Select(g => new { Vendor = g.Key, Answered = g.Count(), Rejected = g.Count(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed) })
            .ToListAsync(ct);
        return new ActivityDto(from, to, days, vendors
            .OrderBy(v => v.Vendor, StringComparer.OrdinalIgnoreCase)
            .Select(v => new VendorFailureRateDto(v.Vendor, v.Answered, v.Rejected, Math.Round((double)v.Rejected / v.Answered, 4)))
            .ToList());
    }

    /// <summary>Ended or stopped with the vendors' refusal: failed, or waiting for a retry or a close.</summary>
    private static bool IsFailed(OrderStatus status) => status is OrderStatus.Failed or OrderStatus.ProvisioningFailed;
}

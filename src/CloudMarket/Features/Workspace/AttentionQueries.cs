using System.Text.Json.Serialization;
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
[JsonConverter(typeof(ApiEnumConverter<AttentionKind>))]
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
/// subscriptions that need a person now. The orders' kinds are one rule (<see cref="KindOf"/>) over a status,
/// whether it has stood still since before the stuck threshold and whether it runs within the horizon; the counts
/// come from the tallies kept as orders change (<see cref="AttentionTallies"/>) and the few orders whose kind
/// depends on the moment (<see cref="CountsAsync"/>); each kind's rows are one bounded page
/// (<see cref="MaxItems"/>) walking the (status, since) index; the closing windows are the subscriptions'
/// own rule (<see cref="Subscription.CancellableUntil"/>) applied to the few a cheap indexed filter leaves;
/// the rows are then described with a query for names, one for items and one for which failed orders need a correction (docs/performance.md, point 9).
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

    /// <summary>
    /// The one place of the orders' kinds: what an order in <paramref name="status"/> is on the queue, given whether
    /// its status has not moved since before the stuck threshold (<paramref name="still"/>) and whether it is
    /// scheduled to run within the horizon (<paramref name="runsSoon"/>); null: nothing to look at.
    /// </summary>
    private static AttentionKind? KindOf(OrderStatus status, bool still, bool runsSoon) => status switch
    {
        OrderStatus.ProvisioningFailed => AttentionKind.ProvisioningFailed,
        OrderStatus.PendingApproval => AttentionKind.PendingApproval,
        OrderStatus.Scheduled => runsSoon ? AttentionKind.ScheduledSoon : null,
        _ when WorkerOwned.Contains(status) => still ? AttentionKind.Stuck : null,
        _ => null,
    };

    /// <summary>
    /// The statuses an order on the queue can have, in the enum's order: the filter of the partial index
    /// <c>IX_Orders_Attention</c> (AppDbContext), so a new kind changes the model and needs a migration.
    /// </summary>
    public static readonly OrderStatus[] OrderStatuses = Enum.GetValues<OrderStatus>().Where(s => KindOf(s, true, true) is not null).ToArray();

    /// <summary>Each order kind's statuses: one array per kind for the life of the process, so EF's query cache knows the inlined list.</summary>
    private static readonly Dictionary<AttentionKind, OrderStatus[]> StatusesOf = Enum.GetValues<AttentionKind>()
        .ToDictionary(k => k, k => OrderStatuses.Where(s => KindOf(s, true, true) == k).ToArray());

    public static async Task<AttentionDto> GetAsync(AppDbContext db, Actor actor, AttentionOptions options, DateTime now,
        AttentionKind? only, CancellationToken ct)
    {
        // The tallies count every order, markup-only ones too: only users who see those work across customers.
        if (!actor.SeesMarkupAndCost) throw new ForbiddenException("Needs attention is for seller- and distributor-level users.");
        var orders = db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor);
        var movedBefore = now.AddMinutes(-options.StuckAfterMinutes);
        var soon = now.AddDays(options.ScheduledWithinDays);
        var counts = await CountsAsync(db, actor, orders, movedBefore, soon, ct);
        var windows = await WindowsClosingAsync(db, actor, now, now.AddHours(options.WindowClosingWithinHours), ct);
        counts[AttentionKind.WindowClosing] = windows.Count;

        var rows = new List<Row>();
        foreach (var kind in Enum.GetValues<AttentionKind>())
        {
            if (counts[kind] == 0 || (only is { } o && o != kind) || rows.Count >= MaxItems)
                continue;
            // The longest waiting first; a window, the soonest to close.
            var page = kind == AttentionKind.WindowClosing
                ? windows.Take(MaxItems - rows.Count).ToList()
                : await OrderRows(OfKind(orders, kind, movedBefore, soon), kind).Take(MaxItems - rows.Count).ToListAsync(ct);
            foreach (var r in page) r.Kind = kind;
            rows.AddRange(page);
        }
        return new AttentionDto(
            new AttentionCountsDto(counts[AttentionKind.ProvisioningFailed], counts[AttentionKind.Stuck], counts[AttentionKind.PendingApproval],
                counts[AttentionKind.ScheduledSoon], counts[AttentionKind.WindowClosing]),
            await DescribeAsync(db, actor, rows, ct));
    }

    /// <summary>
    /// The statuses whose orders' kind does not depend on the horizon: counted by their tallies
    /// (<see cref="AttentionTallies"/>), less those whose status moved too recently where the kind depends on that (stuck).
    /// </summary>
    private static readonly OrderStatus[] CountedByTally = OrderStatuses.Where(s => KindOf(s, true, true) == KindOf(s, true, false)
        && KindOf(s, false, true) == KindOf(s, false, false)).ToArray();

    /// <summary>Of <see cref="CountedByTally"/>, those whose kind depends on whether the status has moved since the stuck threshold.</summary>
    private static readonly OrderStatus[] CountedByTallyLessMoved = CountedByTally.Where(s => KindOf(s, true, true) != KindOf(s, false, true)).ToArray();

    /// <summary>
    /// The rest (scheduled): counted from the orders themselves, and only those due within the horizon, for an order of
    /// these statuses has a kind only then (<see cref="KindOf"/>); the filter of the partial index <c>IX_Orders_Scheduled</c>
    /// (AppDbContext), which holds them by due date.
    /// </summary>
    public static readonly OrderStatus[] CountedFromOrders = OrderStatuses.Except(CountedByTally)
        .Where(s => KindOf(s, true, false) is null && KindOf(s, false, false) is null).ToArray();

    /// <summary>
    /// Every order kind's count, without visiting every order on the queue: each tallied status's count
    /// (<see cref="AttentionTallies.CountsAsync"/>, a few rows per customer) goes to its kind as <see cref="KindOf"/> says
    /// for an order still since before the stuck threshold, except the orders whose status moved at or after it (a small
    /// range of <c>IX_Orders_Status_StatusChangedAt</c>, the orders moving now), which go to the kind of a moved order;
    /// the scheduled orders are grouped as the rule needs, from the partial index <c>IX_Orders_Attention</c>.
    /// </summary>
    private static async Task<Dictionary<AttentionKind, int>> CountsAsync(AppDbContext db, Actor actor, IQueryable<Order> orders,
        DateTime movedBefore, DateTime soon, CancellationToken ct)
    {
        var tallies = await AttentionTallies.CountsAsync(db, Entitlements.CustomersVisibleTo(db, actor).Select(c => c.Id), ct);
        // Two branches of one statement (UNION ALL), each with its own index: as one OR, PostgreSQL fetched every
        // scheduled order of the platform from the table. Each states its partial index's WHERE term word for word:
        // SQLite uses a partial index only when the query does (it does not see that a shorter IN list implies it);
        // without it SQLite fetched each in-flight order from the table (17–60 ms at 100,000 orders against ~6 ms).
        // The scheduled branch does not repeat IX_Orders_Attention's six statuses: PostgreSQL multiplied the two IN
        // lists' selectivities, expected a tenth of the rows and fetched ~10,000 from the table (20–40 ms at 1,000,000).
        var moved = orders.Where(o => EF.Constant(OrderStatuses).Contains(o.Status))
            .Where(o => EF.Constant(CountedByTallyLessMoved).Contains(o.Status) && o.StatusChangedAt >= movedBefore);
        var dueSoon = orders.Where(o => EF.Constant(CountedFromOrders).Contains(o.Status) && o.ScheduledFor <= soon);
        var groups = await moved.Concat(dueSoon)
            .GroupBy(o => new { o.Status, Still = o.StatusChangedAt < movedBefore, RunsSoon = o.ScheduledFor <= soon })
            .Select(g => new { g.Key.Status, g.Key.Still, g.Key.RunsSoon, Count = g.Count() })
            .ToListAsync(ct);

        var counts = Enum.GetValues<AttentionKind>().ToDictionary(k => k, _ => 0);
        void Add(AttentionKind? kind, int n)
        {
            if (kind is { } k) counts[k] += n;
        }
        foreach (var status in CountedByTally)
            Add(KindOf(status, true, true), tallies.GetValueOrDefault(status));
        foreach (var g in groups)
        {
            if (CountedFromOrders.Contains(g.Status))
                Add(KindOf(g.Status, g.Still, g.RunsSoon), g.Count);
            else
            {
                // Counted above as still; it has moved.
                Add(KindOf(g.Status, true, true), -g.Count);
                Add(KindOf(g.Status, false, true), g.Count);
            }
        }
        // The tallies and the moved orders are two statements, which can see two moments (an order moving in between),
        // so a count may come out below zero for a moment: it is clamped at zero.
        foreach (var kind in counts.Keys.ToList())
            counts[kind] = Math.Max(0, counts[kind]);
        return counts;
    }

    /// <summary>
    /// The orders of one kind, as <see cref="KindOf"/> says: its statuses (written into the SQL, so the planner
    /// walks the status index), and the stuck threshold or the horizon where the kind depends on them.
    /// </summary>
    private static IQueryable<Order> OfKind(IQueryable<Order> orders, AttentionKind kind, DateTime movedBefore, DateTime soon)
    {
        var statuses = StatusesOf[kind];
        var query = orders.Where(o => EF.Constant(statuses).Contains(o.Status));
        if (statuses.Any(s => KindOf(s, false, true) != kind)) query = query.Where(o => o.StatusChangedAt < movedBefore);
        if (statuses.Any(s => KindOf(s, true, false) != kind)) query = query.Where(o => o.ScheduledFor <= soon);
        return query;
    }

    /// <summary>
    /// Orders as rows, longest waiting first: since the moment they entered their status (as the order page's
    /// "waiting since"); a scheduled order is due when it runs, the soonest first.
    /// </summary>
    private static IQueryable<Row> OrderRows(IQueryable<Order> orders, AttentionKind kind) =>
        (kind == AttentionKind.ScheduledSoon ? orders.OrderBy(o => o.ScheduledFor) : orders.OrderBy(o => o.StatusChangedAt))
        .ThenBy(o => o.Id)
        .Select(o => new Row
        {
            CustomerId = o.CustomerId,
            OrderId = o.Id,
            Status = o.Status,
            Due = kind == AttentionKind.ScheduledSoon ? o.ScheduledFor : null,
            Since = o.StatusChangedAt,
        });

    /// <summary>
    /// Subscriptions whose cancellation window closes within the horizon, the soonest first: the window is the
    /// subscription's own rule (<see cref="Subscription.CancellableUntil"/>, <see cref="CancellationPolicy"/>: the
    /// current term's window, counting renewals due but not yet recorded, else a recent increase's), applied here to
    /// the few subscriptions SQL keeps. A window opens when a term begins (the purchase, or a renewal: the recorded
    /// term's end less a term) or with an increase, and lasts an offer's hours; so one closing within the horizon
    /// opened after now less the longest window and by the horizon less the shortest. SQL keeps those bought or
    /// renewed in that span, those past their recorded renewal, and those with increases kept. Since: when the
    /// window opened; due: when it closes.
    /// </summary>
    private static async Task<List<Row>> WindowsClosingAsync(AppDbContext db, Actor actor, DateTime now, DateTime horizon, CancellationToken ct)
    {
        // The offers with a window: a handful, read once here rather than joined to every subscription.
        var offers = await db.Offers.AsNoTracking().Where(o => o.CancellationWindowHours != null).ToDictionaryAsync(o => o.Id, ct);
        if (offers.Count == 0) return [];
        var openedAfter = now.AddHours(-offers.Values.Max(o => o.CancellationWindowHours!.Value));
        var openedBy = horizon.AddHours(-offers.Values.Min(o => o.CancellationWindowHours!.Value));
        // A renewal's span a day wider: what SQL and .NET make of a month's end need not agree (a session's time zone).
        var renewedAfter = openedAfter.AddDays(-1);
        var renewedBy = openedBy.AddDays(1);
        // A renewed term began a whole term (a month at least) after the purchase: one bought after openedAfter is still in
        // its first term, which the purchase's span judges, so the renewal's span asks only of those bought before. Without
        // that it kept every subscription bought in its span again (at 1,000,000 orders ~2,000 candidates instead of ~700).
        var renewedOnlyIfBoughtBy = openedAfter;
        var offerIds = offers.Keys.ToList();
        var customers = Entitlements.CustomersVisibleTo(db, actor).Select(c => c.Id);
        var candidates = await db.Subscriptions.AsNoTracking()
            .Where(s => customers.Contains(s.CustomerId)
                        && (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended)
                        && offerIds.Contains(s.OfferId)
                        && ((s.StartDate > openedAfter && s.StartDate <= openedBy) || s.RenewalDate <= now || s.RecentIncreases != NoIncreases
                            || (s.StartDate <= renewedOnlyIfBoughtBy
                                && s.RenewalDate > renewedAfter.AddMonths(s.TermMonths) && s.RenewalDate <= renewedBy.AddMonths(s.TermMonths))))
            .ToListAsync(ct);
        return candidates
            .Select(s => (Subscription: s, Offer: offers[s.OfferId]))
            .Select(x => (x.Subscription, x.Offer, Until: x.Subscription.CancellableUntil(x.Offer, now)))
            .Where(x => x.Until is { } until && until <= horizon)
            .Select(x => new Row
            {
                CustomerId = x.Subscription.CustomerId, SubscriptionId = x.Subscription.Id, Due = x.Until,
                Since = x.Until!.Value.AddHours(-x.Offer.CancellationWindowHours!.Value),
                Subscription = x.Subscription, OfferName = x.Offer.Name,
            })
            .OrderBy(r => r.Due).ThenBy(r => r.SubscriptionId)
            .ToList();
    }

    private static readonly List<IncreaseWindow> NoIncreases = [];

    /// <summary>The rows in words: customers' names and the orders' items, one query each (a window's row has its subscription).</summary>
    private static async Task<List<AttentionItemDto>> DescribeAsync(AppDbContext db, Actor actor, List<Row> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var customerIds = rows.Select(r => r.CustomerId).Distinct().ToList();
        var names = await db.Organizations.AsNoTracking().Where(o => customerIds.Contains(o.Id)).Select(o => new { o.Id, o.Name })
            .ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var orderIds = rows.Where(r => r.OrderId is not null).Select(r => r.OrderId!.Value).ToList();
        var items = orderIds.Count == 0
            ? []
            : await db.OrderItems.AsNoTracking().Where(i => orderIds.Contains(i.OrderId)).Where(OrderVisibility.VisibleItem(actor))
                .OrderBy(i => i.OrderId).ThenBy(i => i.Position)
                .Select(i => new ItemLine(i.OrderId, i.Description, i.ProvisioningStatus, i.VendorName, i.ErrorCode, i.ErrorMessage))
                .ToListAsync(ct);
        var itemsOf = items.ToLookup(i => i.OrderId);
        // Retryable as it is: failed, and none of its rejected items needs a correction (asked of the listed failed
        // orders only: as a correlated subquery of the page, PostgreSQL hashed every failed item of the platform).
        var failedIds = rows.Where(r => r.Status == OrderStatus.ProvisioningFailed).Select(r => r.OrderId!.Value).ToList();
        var needCorrection = failedIds.Count == 0
            ? []
            : (await db.OrderItems.AsNoTracking().Where(i => failedIds.Contains(i.OrderId)).Where(OrderItem.NeedsCorrection)
                .Select(i => i.OrderId).Distinct().ToListAsync(ct)).ToHashSet();

        return rows.Select(r =>
        {
            var lines = r.OrderId is { } orderId ? itemsOf[orderId].ToList() : [];
            var summary = r.Subscription is { } s
                ? $"{r.OfferName} × {s.Quantity}: licences can be decreased until {CancellationPolicy.Moment(r.Due!.Value)}."
                : r.Kind == AttentionKind.ProvisioningFailed ? Rejections(lines) : Changes(lines);
            var retryable = r.Status == OrderStatus.ProvisioningFailed && !needCorrection.Contains(r.OrderId!.Value);
            return new AttentionItemDto(r.Kind, r.CustomerId, names.GetValueOrDefault(r.CustomerId, ""), r.OrderId,
                r.OrderId is { } id ? $"#{id}" : null, r.Status, Utc(r.Since), summary, r.SubscriptionId, r.Due is { } due ? Utc(due) : null, retryable);
        }).ToList();
    }

    /// <summary>
    /// Every moment here is UTC, and the API writes it so: a window's opening and closing are computed in .NET from
    /// stored dates, which need not carry the kind the columns' converter gives.
    /// </summary>
    private static DateTime Utc(DateTime moment) => DateTime.SpecifyKind(moment, DateTimeKind.Utc);

    /// <summary>The first rejection in the vendor's words, and how many more there are.</summary>
    private static string Rejections(List<ItemLine> items)
    {
        var failed = items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed).ToList();
        if (failed.Count == 0) return Changes(items);
        var first = failed[0];
        var text = $"{first.Description}: rejected by {first.VendorName}: {first.ErrorMessage} ({first.ErrorCode})";
        return failed.Count == 1 ? text : $"{text}; and {failed.Count - 1} more rejected item(s)";
    }

    /// <summary>The requested changes, the first few of them.</summary>
    private static string Changes(List<ItemLine> items) =>
        items.Count == 0 ? "No items." :
        string.Join("; ", items.Take(3).Select(i => i.Description)) + (items.Count > 3 ? $"; and {items.Count - 3} more" : "");

    /// <summary>What the summary needs of an order's item.</summary>
    private sealed record ItemLine(long OrderId, string Description, ItemProvisioningStatus ProvisioningStatus, string VendorName,
        string? ErrorCode, string? ErrorMessage);

    /// <summary>A row of one kind (an order's, or a window's with its subscription).</summary>
    private sealed class Row
    {
        public AttentionKind Kind { get; set; }
        public Guid CustomerId { get; set; }
        public long? OrderId { get; set; }
        public Guid? SubscriptionId { get; set; }
        public OrderStatus? Status { get; set; }
        public DateTime Since { get; set; }
        public DateTime? Due { get; set; }
        public Subscription? Subscription { get; init; }
        public string? OfferName { get; init; }
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
/// day by outcome and per vendor by failure rate, each aggregated in SQL over a partial index of its own
/// (<see cref="PlacedOrdersIndex"/>; <see cref="VendorItemsIndex"/>, by the items' own copy of their order's customer and date).
/// </summary>
public static class ActivityQueries
{
    public const int Days = 30;

    /// <summary>
    /// The items that go to a vendor (every kind but a markup change, <see cref="VendorItemSql"/>) by their order's customer and date:
    /// a seller's 30 days are a range of it per customer, whose items the chart then reads for their vendor and outcome. Reading
    /// them through their orders instead joined the ~31,000 orders of 30 days to a sequential read of every item of the platform
    /// (0.6 s per Needs attention page at 1,000,000 orders; performance.md point 28). It holds no provisioning status: an item's
    /// status changes as it is provisioned, and a column in an index (its filter included) makes each such change write every
    /// index of the items anew; the kind never changes.
    /// </summary>
    public const string VendorItemsIndex = "IX_OrderItems_VendorItems";

    /// <summary>
    /// An item that goes to a vendor, as both databases write the query's condition: the filter of <see cref="VendorItemsIndex"/>.
    /// A planner uses a partial index only for a query that states its predicate (<c>AttentionApiTests</c> checks that it does).
    /// </summary>
    internal static readonly string VendorItemSql = $"\"{nameof(OrderItem.Kind)}\" <> '{OrderItemKind.ChangeMarkup}'";

    /// <summary>Declares <see cref="VendorItemsIndex"/> (after <see cref="OrderItemListKeys"/>' columns).</summary>
    public static void ConfigureVendorItemsIndex(ModelBuilder b) =>
        b.Entity<OrderItem>().HasIndex([OrderItemListKeys.CustomerId, OrderItemListKeys.OrderDate], VendorItemsIndex).HasFilter(VendorItemSql);

    public static async Task<ActivityDto> LastDaysAsync(AppDbContext db, Actor actor, DateTime now, CancellationToken ct)
    {
        var to = DateOnly.FromDateTime(now);
        var from = to.AddDays(-(Days - 1));
        var since = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var perDay = await PlacedPerDayQuery(db, actor, since).ToListAsync(ct);
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

        var vendors = await VendorAnswersQuery(db, actor, since).ToListAsync(ct);
        return new ActivityDto(from, to, days, vendors
            .OrderBy(v => v.Vendor, StringComparer.OrdinalIgnoreCase)
            .Select(v => new VendorFailureRateDto(v.Vendor, v.Answered, v.Rejected, Math.Round((double)v.Rejected / v.Answered, 4)))
            .ToList());
    }

    /// <summary>How many of the chart's orders placed on a day are in a status.</summary>
    internal sealed record PlacedOnDay(DateTime Date, OrderStatus Status, int Count);

    /// <summary>
    /// The orders placed since <paramref name="since"/> of the customers the actor may act for, per day and status; on
    /// <see cref="PlacedOrdersIndex"/>, whose filter its SQL states (internal for the test that it does).
    /// </summary>
    internal static IQueryable<PlacedOnDay> PlacedPerDayQuery(AppDbContext db, Actor actor, DateTime since) =>
        db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor).Where(o => o.PlacedAt != null && o.Date >= since)
            .GroupBy(o => new { o.Date.Date, o.Status })
            .Select(g => new PlacedOnDay(g.Key.Date, g.Key.Status, g.Count()));

    /// <summary>
    /// The placed orders by customer and date with what the chart counts of them (status; whether markup-only, for a caller who
    /// may not see those), so that a seller's 30 days are a range of it per customer whose entries hold all the query reads. On
    /// the orders' (customer, date) index the query needed each order's row for its status and placing, and PostgreSQL, pricing
    /// those reads as random, read all 1,000,000 orders instead (162 ms for a seller's ~31,000; 47 ms on this index, less once
    /// vacuum has marked the pages all-visible; performance.md point 28). Its filter is <see cref="PlacedSql"/>.
    /// </summary>
    public const string PlacedOrdersIndex = "IX_Orders_Placed";

    /// <summary>A placed order, as both databases write <see cref="PlacedPerDayQuery"/>'s condition: the filter of <see cref="PlacedOrdersIndex"/>.</summary>
    internal const string PlacedSql = "\"PlacedAt\" IS NOT NULL";

    /// <summary>Declares <see cref="PlacedOrdersIndex"/>.</summary>
    public static void ConfigurePlacedOrdersIndex(ModelBuilder b) =>
        b.Entity<Order>().HasIndex(o => new { o.CustomerId, o.Date, o.Status, o.IsMarkupOnly }, PlacedOrdersIndex).HasFilter(PlacedSql);

    /// <summary>A vendor's answers among the items of the chart's orders.</summary>
    internal sealed record VendorAnswers(string Vendor, int Answered, int Rejected);

    /// <summary>
    /// The answered items of the orders the chart counts (placed since <paramref name="since"/>, of the customers the actor may act
    /// for), per vendor; found by the items' copy of their order's customer and date: an item a vendor answered is on a placed
    /// order, dated by its placing, and never a markup change (the only kind of item a markup-only order has); answered:
    /// provisioned or rejected. On <see cref="VendorItemsIndex"/>; internal for the test that its SQL states the index's filter.
    /// </summary>
    internal static IQueryable<VendorAnswers> VendorAnswersQuery(AppDbContext db, Actor actor, DateTime since)
    {
        var customers = Entitlements.CustomersVisibleTo(db, actor).Select(c => c.Id);
        return db.OrderItems.AsNoTracking()
            .Where(i => customers.Contains(EF.Property<Guid>(i, OrderItemListKeys.CustomerId)) && EF.Property<DateTime>(i, OrderItemListKeys.OrderDate) >= since)
            .Where(i => i.Kind != OrderItemKind.ChangeMarkup)
            .Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished || i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed)
            .GroupBy(i => i.VendorName)
            .Select(g => new VendorAnswers(g.Key, g.Count(), g.Count(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed)));
    }

    /// <summary>Ended or stopped with the vendors' refusal: failed, or waiting for a retry or a close.</summary>
    private static bool IsFailed(OrderStatus status) => status is OrderStatus.Failed or OrderStatus.ProvisioningFailed;
}

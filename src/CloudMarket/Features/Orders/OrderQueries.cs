using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>The filters of the Recent / Historical lists and the export (api.md GET /api/v1/orders).</summary>
public sealed record OrderListFilter(
    OrderView View = OrderView.Recent,
    HistoricalState State = HistoricalState.Active,
    OrderStatus? Status = null,
    Guid? CreatedBy = null,
    DateTime? From = null,
    DateTime? To = null,
    string? Search = null,
    OrderSort Sort = default)
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 200;
    public const int MaxSearchLength = 200;

    /// <summary>"#11": the number of one order, which a search finds exactly (and nothing else); null for any other term.</summary>
    public static long? ExactNumber(string q) =>
        q.Length > 1 && q[0] == '#' && long.TryParse(q.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The order number the search asks for ("#11"), or null.</summary>
    public long? SearchedNumber => Search is { } q ? ExactNumber(q) : null;

    /// <summary>The text the search looks for: the term, unless it is an order number ("#11"), which is a filter of its own.</summary>
    public string? SearchedText => Search is { } q && ExactNumber(q) is null ? q : null;

    /// <summary>Parses the query string values, answering 400 with every bad one.</summary>
    public static OrderListFilter Parse(string? view, string? state, string? status, string? createdBy, string? from, string? to, string? q,
        string? sort = null)
    {
        var errors = new ValidationErrors();
        var v = ParseEnum(view, OrderView.Recent, "view", errors);
        var s = ParseEnum(state, HistoricalState.Active, "state", errors);
        OrderStatus? st = status is null ? null : ParseEnum(status, OrderStatus.Started, "status", errors);
        Guid? by = null;
        if (createdBy is not null)
        {
            if (Guid.TryParse(createdBy, out var g)) by = g;
            else errors.Add("createdBy", "Must be a user id.");
        }
        var f = ParseDate(from, "from", endOfDay: false, errors);
        var t = ParseDate(to, "to", endOfDay: true, errors);
        if (f is not null && t is not null && f > t)
            errors.Add("from", "Must not be after 'to'.");
        if (q is { Length: > MaxSearchLength } || OrderValidator.HasNul(q))
            errors.Add("q", $"At most {MaxSearchLength} characters, without NUL characters.");
        if (v == OrderView.Recent && state is not null)
            errors.Add("state", "Only the historical view has a state.");
        var order = OrderSort.Default;
        if (sort is not null && !OrderSort.TryParse(sort, out order))
            errors.Add("sort", $"Must be one of: {string.Join(", ", OrderSort.Names)}.");
        errors.ThrowIfAny();
        return new OrderListFilter(v, s, st, by, f, t, string.IsNullOrWhiteSpace(q) ? null : q.Trim(), order);
    }

    private static T ParseEnum<T>(string? value, T fallback, string field, ValidationErrors errors) where T : struct, Enum
    {
        if (value is null) return fallback;
        // No digits and no commas: Enum.TryParse also reads "3" and "started,deleted" (the bitwise OR of two values).
        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !value.Any(c => char.IsDigit(c) || c == ','))
            return parsed;
        errors.Add(field, $"Must be one of: {ApiNames.OneOf<T>()}.");
        return fallback;
    }

    /// <summary>ISO-8601 dates or date-times; a date alone for "to" includes that whole day. Times are UTC unless an offset is given.</summary>
    private static DateTime? ParseDate(string? value, string field, bool endOfDay, ValidationErrors errors)
    {
        if (value is null) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return endOfDay ? day.ToDateTime(TimeOnly.MaxValue, DateTimeKind.Utc) : day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            && at.Year is > 1900 and < 9000)
            return at.UtcDateTime;
        errors.Add(field, "Must be an ISO-8601 date (2026-11-25) or date-time (2026-11-25T09:30:00Z).");
        return null;
    }
}

/// <summary>Read side of orders: lists, detail and export, with the visibility rule applied in the query.</summary>
public static partial class OrderQueries
{
    public static Task<OrderListDto> ListAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit, CancellationToken ct) =>
        ListAsync(db, ctx, filter, cursor, limit, detailed: filter is { View: OrderView.Historical, State: HistoricalState.All }, ct);

    private static async Task<OrderListDto> ListAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit,
        bool detailed, CancellationToken ct)
    {
        var after = OrderCursor.Decode(cursor, filter.Sort);
        var search = filter.SearchedText is { } term ? await LookUpAsync(db, ctx, term, ct) : null;
        var read = filter.Sort.Key == OrderSortKey.Status
            ? await StatusSortedRowsAsync(db, ctx, filter, after, limit, search, detailed, ct)
            : await PageRowsAsync(db, ctx, filter, after, limit, search, onlyStatus: null, detailed, ct);
        var page = read.Rows.Take(limit).ToList();
        var summaries = await SummarizeAsync(db, ctx, page, read.Items, detailed, ct);
        var next = read.Rows.Count > limit ? new OrderCursor(filter.Sort, page[^1].Status, page[^1].Date, page[^1].Id).Encode() : null;
        return new OrderListDto(summaries, next);
    }

    /// <summary>
    /// A status-sorted page, one status at a time in the sort's order, each newest first: every query is a
    /// bound on the (CustomerId, Status, Date DESC, Id DESC) index, so a page deep inside a status of
    /// 100,000 orders reads as few rows as the first page. (One query ordered by status and then date would
    /// need the cursor's "later in this status, or any later status" as an OR, which no index can bound.)
    /// At most one query per status of the view, and it stops as soon as the page is full.
    /// </summary>
    private static async Task<PageRead> StatusSortedRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, int limit, SearchLookup? search, bool detailed, CancellationToken ct)
    {
        IEnumerable<OrderStatus> statuses = filter.Status is { } only
            ? [only]
            : OrderLifecycle.StatusesOf(filter.View, filter.State) ?? (IEnumerable<OrderStatus>)Enum.GetValues<OrderStatus>();
        var read = new PageRead([], []);
        foreach (var status in filter.Sort.InStatusOrder(statuses))
        {
            if (after is not null && filter.Sort.CompareStatuses(status, after.Status) < 0) continue;
            var bound = after is not null && after.Status == status ? after : null;
            read = read.Then(await PageRowsAsync(db, ctx, filter, bound, limit - read.Rows.Count, search, status, detailed, ct));
            if (read.Rows.Count > limit) break;
        }
        return read;
    }

    /// <summary>
    /// The page's rows. A term the indexes found too often on the platform to list takes <see cref="FrequentTermRowsAsync"/>,
    /// one on the customer's items <see cref="ByOfferNameRowsAsync"/>, one they found nowhere no page at all
    /// (<see cref="FindsNoOrder"/>); any other list is one page, among a search's matches if it has them (<see cref="PageAmongAsync"/>).
    /// </summary>
    private static async Task<PageRead> PageRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after,
        int limit, SearchLookup? search, OrderStatus? onlyStatus, bool detailed, CancellationToken ct)
    {
        if (FindsNoOrder(search, filter))
            return new PageRead([], []);
        if (search is SearchLookup.Frequent frequent)
            return await FrequentTermRowsAsync(db, ctx, filter, after, limit, frequent, onlyStatus, detailed, ct);
        if (search is SearchLookup.ByOfferName byOfferName)
            return await ByOfferNameRowsAsync(db, ctx, filter, after, limit, byOfferName, onlyStatus, detailed, ct);
        return await PageAmongAsync(db, ctx, filter, after, limit, (search as SearchLookup.Found)?.Orders, onlyStatus, detailed, ct);
    }

    /// <summary>
    /// One page of the list, among a text search's matches if it has them: from its shape's compiled query
    /// (<see cref="CompiledPageQuery"/>), which reads the orders' items in the same statement, or, for a shape it does not
    /// serve (a search without matches, one on SQLite, a shape that could not be compiled), from the query built for this
    /// request, whose items are read after it (docs/performance.md, points 45 and 50).
    /// </summary>
    private static async Task<PageRead> PageAmongAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after,
        int limit, IReadOnlyCollection<long>? searchMatches, OrderStatus? onlyStatus, bool detailed, CancellationToken ct) =>
        CompiledPageQuery.TryRun(db, ctx, filter, after, limit, onlyStatus, detailed, searchMatches) is { } compiled
            ? FromRowsWithItems(await compiled.ToListAsync(ct))
            : PageRead.Of(await PageQuery(db, ctx, filter, after, limit, searchMatches, onlyStatus).ToListAsync(ct));

    /// <summary>
    /// A page's orders as read (one more than the page when another follows), and their visible items in order when the
    /// page's statement read them too; null when they are still to read.
    /// </summary>
    internal sealed record PageRead(List<OrderRow> Rows, List<PageItem>? Items)
    {
        public static PageRead Of(List<OrderRow> rows) => new(rows, null);

        /// <summary>This page's rows and then another's; the items only if both read theirs.</summary>
        public PageRead Then(PageRead more) =>
            new([.. Rows, .. more.Rows], Items is not null && more.Items is not null ? [.. Items, .. more.Items] : null);

        /// <summary>The rows that pass, with their items.</summary>
        public PageRead Where(Func<OrderRow, bool> keep)
        {
            var rows = Rows.Where(keep).ToList();
            if (Items is null || rows.Count == Rows.Count) return this with { Rows = rows };
            var kept = rows.Select(r => r.Id).ToHashSet();
            return new PageRead(rows, [.. Items.Where(i => kept.Contains(i.OrderId))]);
        }
    }

    /// <summary>A visible item of an order on a page: its description, and in the detailed view what its amounts are computed from.</summary>
    internal sealed record PageItem(long OrderId, string Description, ItemPricing? Pricing);

    /// <summary>An item of a page read an add-on per row: its pricing with the add-ons of its rows (null where a row has none).</summary>
    private static PageItem WithItsAddons(long orderId, string description, ItemPricing? pricing, IEnumerable<AddonPricing?> addons)
    {
        var own = addons.OfType<AddonPricing>().ToList();
        return new PageItem(orderId, description, own.Count == 0 ? pricing : pricing! with { Addons = own });
    }

    /// <summary>
    /// One page of a list in the date or number sort (or of one status, for the status sort) as a single
    /// keyset query: one row more than the page, to know whether another page follows. Internal so the
    /// benchmark can time its SQL directly.
    /// </summary>
    internal static IQueryable<OrderRow> PageQuery(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit,
        IReadOnlyCollection<long>? searchMatches = null, OrderStatus? onlyStatus = null) =>
        PageQuery(db, ctx, filter, OrderCursor.Decode(cursor, filter.Sort), limit, searchMatches, onlyStatus);

    /// <summary>The page query itself, which <see cref="CompiledPageQuery"/> also builds (from stand-ins) to compile it.</summary>
    /// <param name="walkBudget">
    /// For a text search without matches (one that walks the customer's orders): check at most this many of the orders
    /// after the cursor (<see cref="FrequentTermRowsAsync"/>).
    /// </param>
    internal static IQueryable<OrderRow> PageQuery(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after, int limit,
        IReadOnlyCollection<long>? searchMatches, OrderStatus? onlyStatus = null, int? walkBudget = null) =>
        PageOrders(db, ctx, filter, after, limit, searchMatches, onlyStatus, walkBudget).Select(RowOf(ctx.Actor.SeesInternalNotes));

    /// <summary>The orders of <see cref="PageQuery(AppDbContext, CustomerContext, OrderListFilter, OrderCursor?, int, IReadOnlyCollection{long}?, OrderStatus?, int?)"/>, sorted, one more than the page.</summary>
    private static IQueryable<Order> PageOrders(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after, int limit,
        IReadOnlyCollection<long>? searchMatches, OrderStatus? onlyStatus, int? walkBudget = null)
    {
        // The customer in the SQL for a text search, each planned for this customer's size: its statements are one per term
        // anyway, and a prepared statement's generic plan, made for an average customer of a few hundred orders, may sort all
        // of a 200,000-order customer's orders (performance.md points 2 and 23).
        var query = Window(db, ctx, filter, after, onlyStatus, valuesWrittenIn: filter.SearchedText is not null);
        if (walkBudget is { } budget)
            query = Sorted(query, filter).Take(budget);
        return Sorted(query.MatchingText(db, ctx, filter, searchMatches), filter).Take(limit + 1);
    }

    /// <summary>What a list reads of an order.</summary>
    private static Expression<Func<Order, OrderRow>> RowOf(bool seesInternalNotes) =>
        o => new OrderRow(o.Id, o.Name, o.Status, o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationId,
            o.CreatedByOrganizationName, o.CreatedByOrganizationType, o.Date, o.Note,
            // NULL in the SQL for customer-level users: it never reaches the app for them.
            seesInternalNotes ? o.InternalNote : null,
            o.PaymentMethod, o.CardBrand, o.CardLast4, o.InvoiceContract, o.Currency, o.ScheduledFor);

    /// <summary>
    /// A row of <see cref="PageWithItemsQuery"/>: an order of the page with one of its visible items (or none), and in the
    /// detailed view with one of that item's add-ons (or none).
    /// </summary>
    internal sealed record PageItemRow(OrderRow Order, Guid? ItemId, int Position, string? Description, ItemPricing? Pricing, AddonPricing? Addon);

    /// <summary>An order of a page beside one of its items, for the join of <see cref="PageWithItemsQuery"/> (members EF Core can follow).</summary>
    private sealed class OrderAndItem
    {
        public required Order Order { get; init; }
        public required OrderItem? Item { get; init; }
    }

    /// <summary>
    /// A page's orders and their visible items in one statement: <see cref="PageQuery(AppDbContext, CustomerContext, OrderListFilter, OrderCursor?, int, IReadOnlyCollection{long}?, OrderStatus?, int?)"/>'s
    /// orders left-joined to <see cref="PageItems"/>' items (and in the detailed view their add-ons), each read as
    /// <see cref="CompiledPageItemDescriptions"/> or <see cref="CompiledPagePricedItemRows"/> read them. One statement
    /// instead of two saves a list a whole query execution and a round trip (docs/performance.md, point 45). Run as
    /// <see cref="CompiledPageQuery"/>'s compiled query; lists it does not serve read their items in a second statement.
    /// </summary>
    internal static IQueryable<PageItemRow> PageWithItemsQuery(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after,
        int limit, OrderStatus? onlyStatus, bool detailed, IReadOnlyCollection<long>? searchMatches = null)
    {
        var joined = PageOrders(db, ctx, filter, after, limit, searchMatches, onlyStatus)
            .LeftJoin(db.OrderItems.Where(OrderVisibility.VisibleItem(OrderVisibility.SeesMarkup(ctx))), o => o.Id, i => i.OrderId,
                (o, i) => new OrderAndItem { Order = o, Item = i });
        var row = RowOf(ctx.Actor.SeesInternalNotes);
        if (!detailed)
            return joined.Select(Splice.Rule<Func<OrderAndItem, PageItemRow>>(
                x => new PageItemRow(Row(x.Order), x.Item == null ? null : x.Item.Id, x.Item == null ? 0 : x.Item.Position,
                    x.Item == null ? null : x.Item.Description, null, null),
                RowMethod, row));
        return joined.SelectMany(EachAddonOfTheItemOrNone, Splice.Rule(Splice.Rule(Splice.Rule<Func<OrderAndItem, OrderItemAddon?, PageItemRow>>(
            (x, a) => new PageItemRow(Row(x.Order), x.Item == null ? null : x.Item.Id, x.Item == null ? 0 : x.Item.Position,
                x.Item == null ? null : x.Item.Description,
                x.Item == null ? null : PricingWith(x.Item, Array.Empty<AddonPricing>()), a == null ? null : AddonPricingOf(a)),
            RowMethod, row), PricingWithMethod, OrderItem.PricingWith), AddonPricingOfMethod, OrderItem.AddonPricingOf));
    }

    private static readonly Expression<Func<OrderAndItem, IEnumerable<OrderItemAddon?>>> EachAddonOfTheItemOrNone =
        x => x.Item!.Addons.DefaultIfEmpty();

    /// <summary>The placeholder <see cref="PageWithItemsQuery"/> splices <see cref="RowOf"/> into.</summary>
    private static OrderRow Row(Order order) => throw Splice.NotSpliced();

    private static readonly MethodInfo RowMethod = typeof(OrderQueries).GetMethod(nameof(Row), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>
    /// The orders and items of <see cref="PageWithItemsQuery"/>'s rows, in their order: what <see cref="SummarizeAsync"/>
    /// would otherwise read in a second statement.
    /// </summary>
    internal static PageRead FromRowsWithItems(List<PageItemRow> rows)
    {
        var orders = new List<OrderRow>();
        var items = new List<PageItem>();
        foreach (var order in rows.GroupBy(r => r.Order.Id))
        {
            orders.Add(order.First().Order);
            // An order's rows come together (the page's sort is the statement's), its items' in no particular order.
            items.AddRange(order.Where(r => r.ItemId is not null).GroupBy(r => r.ItemId).OrderBy(item => item.First().Position)
                .Select(item => WithItsAddons(order.Key, item.First().Description!, item.First().Pricing, item.Select(r => r.Addon))));
        }
        return new PageRead(orders, items);
    }

    /// <summary>The customer's orders a list shows, after the cursor, before any text search; unsorted.</summary>
    private static IQueryable<Order> Window(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after, OrderStatus? onlyStatus,
        bool valuesWrittenIn)
    {
        var query = Filtered(db, ctx, filter, valuesWrittenIn);
        if (onlyStatus is { } only)
            query = query.Where(o => o.Status == only);
        if (after is not null)
        {
            var (key, ascending) = KeyOf(filter.Sort);
            query = After(db, query, key, ascending, after.Date, after.Id);
        }
        return query;
    }

    /// <summary>The key the rows of a page are ordered by: within a status the rows are newest first, whichever way the statuses go.</summary>
    internal static (OrderSortKey Key, bool Ascending) KeyOf(OrderSort sort) =>
        sort.Key == OrderSortKey.Status ? (OrderSortKey.Date, false) : (sort.Key, sort.Ascending);

    private static IOrderedQueryable<Order> Sorted(IQueryable<Order> query, OrderListFilter filter) => KeyOf(filter.Sort) switch
    {
        (OrderSortKey.Number, true) => query.OrderBy(o => o.Id),
        (OrderSortKey.Number, false) => query.OrderByDescending(o => o.Id),
        (_, true) => query.OrderBy(o => o.Date).ThenBy(o => o.Id),
        _ => query.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id),
    };

    /// <summary>The rows after a cursor's (date, number) or number, in the direction of the sort.</summary>
    private static IQueryable<Order> After(AppDbContext db, IQueryable<Order> query, OrderSortKey key, bool ascending, DateTime d, long id)
    {
        if (key == OrderSortKey.Number)
            return ascending ? query.Where(o => o.Id > id) : query.Where(o => o.Id < id);
        if (db.IsPostgres)
            // A row-value comparison is an index bound on (CustomerId, Date, Id): a page 5,000 deep reads
            // as few rows as the first. The OR form below is only a filter there (PostgreSQL reads and
            // discards every newer row of the customer); SQLite's planner turns it into a range itself.
            return ascending
                ? query.Where(o => EF.Functions.GreaterThan(ValueTuple.Create(o.Date, o.Id), ValueTuple.Create(d, id)))
                : query.Where(o => EF.Functions.LessThan(ValueTuple.Create(o.Date, o.Id), ValueTuple.Create(d, id)));
        return ascending
            ? query.Where(o => o.Date > d || (o.Date == d && o.Id > id))
            : query.Where(o => o.Date < d || (o.Date == d && o.Id < id));
    }

    /// <summary>
    /// The visible items of the orders on a page, in order: the list's second and last query, never read whole (the
    /// detailed view reads <see cref="CompiledPagePricedItemRows"/> of them, the others <see cref="CompiledPageItemDescriptions"/>). One expression with the
    /// item visibility rule spliced in per kind of caller (<see cref="OrderVisibility.VisibleItem(bool)"/>), run as a
    /// compiled query: its shape never varies, so EF Core's per-execution work (building, funcletizing and hashing
    /// the expression: about 40 % of a list's own time per statement, performance.md point 13) is paid once.
    /// </summary>
    private static Expression<Func<AppDbContext, long[], IQueryable<OrderItem>>> PageItems(bool seesMarkup) =>
        Splice.Rule<Func<AppDbContext, long[], IQueryable<OrderItem>>>(
            (db, orderIds) => db.OrderItems.AsNoTracking()
                .Where(i => orderIds.Contains(i.OrderId)).Where(i => IsVisible(i))
                .OrderBy(i => i.OrderId).ThenBy(i => i.Position),
            IsVisibleMethod, OrderVisibility.VisibleItem(seesMarkup));

    /// <summary>The placeholder <see cref="PageItems"/> splices the item visibility rule into.</summary>
    private static bool IsVisible(OrderItem item) => throw Splice.NotSpliced();

    private static readonly MethodInfo IsVisibleMethod = typeof(OrderQueries).GetMethod(nameof(IsVisible), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>A query of a page's items, compiled for callers who do not and who do see markup, and run for the caller.</summary>
    private sealed class CompiledForViewers<T>(Func<bool, Expression<Func<AppDbContext, long[], IQueryable<T>>>> query)
    {
        private readonly PerModel<Func<AppDbContext, long[], IAsyncEnumerable<T>>>[] _bySeesMarkup =
            [new(() => EF.CompileAsyncQuery(query(false))), new(() => EF.CompileAsyncQuery(query(true)))];

        public Task<List<T>> ListAsync(AppDbContext db, CustomerContext ctx, long[] orderIds, CancellationToken ct) =>
            _bySeesMarkup[OrderVisibility.SeesMarkup(ctx) ? 1 : 0].For(db)(db, orderIds).ToListAsync(ct).AsTask();
    }

    /// <summary>
    /// <see cref="PageItems"/> read as descriptions only: the same items in the same order, without the item's other
    /// columns and its add-ons (another table), which only the detailed view and the detail show.
    /// </summary>
    private static readonly CompiledForViewers<PageItem> CompiledPageItemDescriptions =
        new(seesMarkup => Selected(PageItems(seesMarkup), i => new PageItem(i.OrderId, i.Description, null)));

    /// <summary>
    /// A row of <see cref="CompiledPagePricedItemRows"/>: an item with one of its add-ons, or with none. Its pricing is
    /// read without add-ons; <see cref="WithTheirAddons"/> gives each item those of its rows.
    /// </summary>
    private sealed record PricedItemRow(Guid ItemId, long OrderId, string Description, ItemPricing Pricing, AddonPricing? Addon);

    /// <summary>The placeholders <see cref="CompiledPagePricedItemRows"/> splices <see cref="OrderItem.PricingWith"/> and <see cref="OrderItem.AddonPricingOf"/> into.</summary>
    private static ItemPricing PricingWith(OrderItem item, IReadOnlyList<AddonPricing> addons) => throw Splice.NotSpliced();

    private static AddonPricing AddonPricingOf(OrderItemAddon addon) => throw Splice.NotSpliced();

    private static readonly MethodInfo PricingWithMethod = typeof(OrderQueries).GetMethod(nameof(PricingWith), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AddonPricingOfMethod = typeof(OrderQueries).GetMethod(nameof(AddonPricingOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>
    /// <see cref="PageItems"/> read as the detailed view shows them: each item's description and the columns of
    /// <see cref="OrderItem.PricingWith"/> and <see cref="OrderItem.AddonPricingOf"/> (spliced in, so the list and an item
    /// read whole price alike), without the item's other columns (contact, tenant, provisioning state, vendor names).
    /// Flat, an add-on per row (a left join), not the add-ons as a collection of each item: EF Core's shaper of a
    /// collection made delegates of its nested lambdas for every row it read, ~5 % of a detailed list's CPU (performance.md point 42).
    /// </summary>
    private static readonly CompiledForViewers<PricedItemRow> CompiledPagePricedItemRows =
        new(seesMarkup => WithEachAddon(PageItems(seesMarkup), Splice.Rule(Splice.Rule<Func<OrderItem, OrderItemAddon?, PricedItemRow>>(
            (i, a) => new PricedItemRow(i.Id, i.OrderId, i.Description, PricingWith(i, Array.Empty<AddonPricing>()), a == null ? null : AddonPricingOf(a)),
            PricingWithMethod, OrderItem.PricingWith), AddonPricingOfMethod, OrderItem.AddonPricingOf)));

    /// <summary>The items of <see cref="CompiledPagePricedItemRows"/>' rows, in their order, each with its add-ons.</summary>
    private static IEnumerable<PageItem> WithTheirAddons(List<PricedItemRow> rows) =>
        rows.GroupBy(r => r.ItemId).Select(item => WithItsAddons(item.First().OrderId, item.First().Description, item.First().Pricing, item.Select(r => r.Addon)));

    /// <summary>A query of a page's items joined to their add-ons (each item once with none), with what is read of each row.</summary>
    private static Expression<Func<AppDbContext, long[], IQueryable<T>>> WithEachAddon<T>(
        Expression<Func<AppDbContext, long[], IQueryable<OrderItem>>> items, Expression<Func<OrderItem, OrderItemAddon?, T>> selection) =>
        Expression.Lambda<Func<AppDbContext, long[], IQueryable<T>>>(
            Expression.Call(typeof(Queryable), nameof(Queryable.SelectMany), [typeof(OrderItem), typeof(OrderItemAddon), typeof(T)], items.Body,
                Expression.Quote(EachAddonOrNone), Expression.Quote(selection)),
            items.Parameters);

    private static readonly Expression<Func<OrderItem, IEnumerable<OrderItemAddon?>>> EachAddonOrNone = i => i.Addons.DefaultIfEmpty();

    /// <summary>A query of a page's items with a selection of what is read of each, in place of the whole item.</summary>
    private static Expression<Func<AppDbContext, long[], IQueryable<T>>> Selected<T>(
        Expression<Func<AppDbContext, long[], IQueryable<OrderItem>>> items, Expression<Func<OrderItem, T>> selection) =>
        Expression.Lambda<Func<AppDbContext, long[], IQueryable<T>>>(
            Expression.Call(typeof(Queryable), nameof(Queryable.Select), [typeof(OrderItem), typeof(T)], items.Body, Expression.Quote(selection)),
            items.Parameters);

    /// <summary>
    /// Every matching order, newest first, fetched page by page so an export of any size streams. Every row
    /// carries the details (the CSV has the totals of every order, whatever the view).
    /// </summary>
    public static async IAsyncEnumerable<OrderSummaryDto> ExportAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(db, ctx, filter, cursor, OrderListFilter.MaxLimit, detailed: true, ct);
            foreach (var row in page.Items)
                yield return row;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    /// <summary>Who created the customer's visible orders, for the "created by" filter.</summary>
    public static async Task<List<(Guid UserId, string Name, string OrganizationName)>> CreatorsAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        var rows = await db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Select(o => new { o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationName })
            .Distinct()
            .Take(500)
            .ToListAsync(ct);
        return rows.GroupBy(r => r.CreatedByUserId)
            .Select(g => (g.Key, g.First().CreatedByName, g.First().CreatedByOrganizationName))
            .OrderBy(r => r.Item2, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    public static async Task<OrderDetailDto?> DetailAsync(AppDbContext db, CustomerContext ctx, long id, DateTime now, CancellationToken ct)
    {
        var order = await CompiledVisibleOrderWithItemsAndEvents[OrderVisibility.SeesMarkup(ctx) ? 1 : 0].For(db)(db, ctx.CustomerId, id, ct);
        return order is null ? null : await DetailOfAsync(db, ctx, order, now, ct);
    }

    /// <summary>The placeholder <see cref="CompiledVisibleOrderWithItemsAndEvents"/> splices the order visibility rule into.</summary>
    private static bool IsVisibleOrder(Order order) => throw Splice.NotSpliced();

    private static readonly MethodInfo IsVisibleOrderMethod = typeof(OrderQueries).GetMethod(nameof(IsVisibleOrder), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>
    /// An order of the customer that the caller may see (<see cref="OrderVisibility.VisibleOrderOfCustomer"/>, spliced
    /// in), with its items and events: the detail's read, compiled for callers who do not and who do see markup, so
    /// EF Core's per-request work on the expression is done once (as for the lists; performance.md points 13 and 43).
    /// </summary>
    private static readonly PerModel<Func<AppDbContext, Guid, long, CancellationToken, Task<Order?>>>[] CompiledVisibleOrderWithItemsAndEvents =
        [.. new[] { false, true }.Select(seesMarkup => new PerModel<Func<AppDbContext, Guid, long, CancellationToken, Task<Order?>>>(() =>
            EF.CompileAsyncQuery(Splice.Rule<Func<AppDbContext, Guid, long, CancellationToken, Order?>>(
                (db, customerId, id, ct) => db.Orders.AsNoTracking()
                    .Where(o => o.CustomerId == customerId).Where(o => IsVisibleOrder(o))
                    .Include(o => o.Items).Include(o => o.Events)
                    .AsSplitQuery()
                    .SingleOrDefault(o => o.Id == id),
                IsVisibleOrderMethod, OrderVisibility.VisibleOrderOfCustomer(seesMarkup)))))];

    /// <summary>
    /// One read of many orders (with their items and events, untracked) for several readers each, e.g. an
    /// integration fan-out batch's receivers and e-mail recipients, with the
    /// cancellation windows all of them need: four statements however many orders. Gone orders are missing.
    /// </summary>
    public static async Task<(Dictionary<long, Order> Orders, IReadOnlyDictionary<string, int?> Windows)> LoadManyForDetailsAsync(
        AppDbContext db, IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return ([], new Dictionary<string, int?>());
        var orders = await db.Orders.AsNoTracking().Include(o => o.Items).Include(o => o.Events).AsSplitQuery()
            .Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, ct);
        return (orders, await WindowHoursAsync(db, orders.Values.SelectMany(WindowOpeners), ct));
    }

    /// <summary>What <see cref="DetailAsync"/> answers this caller, from <see cref="LoadManyForDetailsAsync"/>'s order and windows.</summary>
    public static OrderDetailDto? DetailFor(CustomerContext ctx, Order order, IReadOnlyDictionary<string, int?> windows, DateTime now) =>
        OrderVisibility.SeesOrder(ctx, order) ? ToDetail(order, ctx, now, windows) : null;

    /// <summary>
    /// The detail of an order already loaded with its items and events (the one a change just saved):
    /// nothing of the order is read again.
    /// </summary>
    public static async Task<OrderDetailDto> DetailOfAsync(AppDbContext db, CustomerContext ctx, Order order, DateTime now, CancellationToken ct) =>
        // The cancellation windows of the offers whose purchase or increase this order applied; most orders have none.
        ToDetail(order, ctx, now, await WindowHoursAsync(db, WindowOpeners(order), ct));

    /// <summary>
    /// When the order's provisioned items were applied to the subscriptions (it completed, or closed with
    /// them); null while they are not.
    /// </summary>
    private static DateTime? AppliedAt(Order order) =>
        order.Events.Where(e => e.FromStatus != e.ToStatus && OrderLifecycle.AppliedStatuses.Contains(e.ToStatus)).Select(e => (DateTime?)e.At).Max();

    /// <summary>The cancellation window hours of these items' offers, by offer id (one query; none for no items).</summary>
    public static async Task<IReadOnlyDictionary<string, int?>> WindowHoursAsync(AppDbContext db, IEnumerable<OrderItem> items, CancellationToken ct)
    {
        var offers = items.Select(i => i.OfferId).Distinct().ToArray();
        return offers.Length == 0
            ? new Dictionary<string, int?>()
            : (await CompiledWindowHours.For(db)(db, offers).ToListAsync(ct)).ToDictionary(o => o.Id, o => o.CancellationWindowHours);
    }

    /// <summary><see cref="WindowHoursAsync"/>' statement, compiled: every completed order's detail runs it.</summary>
    private static readonly PerModel<Func<AppDbContext, string[], IAsyncEnumerable<OfferWindow>>> CompiledWindowHours = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, string[] offers) =>
            db.Offers.AsNoTracking().Where(o => offers.Contains(o.Id)).Select(o => new OfferWindow(o.Id, o.CancellationWindowHours))));

    private sealed record OfferWindow(string Id, int? CancellationWindowHours);

    /// <summary>The applied items that opened a cancellation window: a purchase, or the licences an increase added.</summary>
    private static IEnumerable<OrderItem> WindowOpeners(Order order) => AppliedAt(order) is null
        ? []
        : order.Items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished
                                 && i.OpensCancellationWindow);

    /// <summary>The customer's visible orders that the list's view and filters keep, but for a text search (<see cref="MatchingText"/>).</summary>
    private static IQueryable<Order> Filtered(AppDbContext db, CustomerContext ctx, OrderListFilter filter, bool valuesWrittenIn)
    {
        var query = db.Orders.AsNoTracking().VisibleOrders(ctx, valuesWrittenIn);
        var statuses = OrderLifecycle.StatusesOf(filter.View, filter.State);
        if (statuses is [var only])
            // One status (Draft): an equality, a bound on the (CustomerId, Status, Date, Id) index.
            query = query.Where(o => o.Status == only);
        else if (statuses is not null)
            // Written into the SQL, not a parameter: a view's statuses never vary, and Recent's are the predicate of
            // IX_Orders_Recent, which PostgreSQL (in a prepared statement's generic plan) and SQLite match only against
            // the same constants. (In a statement whose values are all written in, by the interceptor: EF.Constant would
            // have EF Core write its SQL anew at every execution, ValuesWrittenIn.)
            query = valuesWrittenIn && db.IsPostgres
                ? query.Where(o => statuses.Contains(o.Status))
                : query.Where(o => EF.Constant(statuses).Contains(o.Status));
        if (filter.Status is { } status)
            query = query.Where(o => o.Status == status);
        if (filter.CreatedBy is { } by)
            query = query.Where(o => o.CreatedByUserId == by);
        if (filter.From is { } from)
            query = query.Where(o => o.Date >= from);
        if (filter.To is { } to)
            query = query.Where(o => o.Date <= to);
        if (filter.SearchedNumber is { } exact)
            // "#11" is order 11, and only it: not every order whose name or note mentions "#11".
            query = query.Where(o => o.Id == exact);
        return query;
    }

    internal sealed record OrderRow(long Id, string Name, OrderStatus Status, Guid UserId, string UserName, Guid OrgId, string OrgName,
        OrganizationType OrgType, DateTime Date, string? Note, string? InternalNote, PaymentMethod PaymentMethod, string? CardBrand, string? CardLast4,
        string InvoiceContract, string Currency, DateTime? ScheduledFor);

    /// <param name="items">The rows' visible items, if the page's statement read them; null to read them here.</param>
    private static async Task<List<OrderSummaryDto>> SummarizeAsync(AppDbContext db, CustomerContext ctx, List<OrderRow> rows, List<PageItem>? items,
        bool detailed, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToArray();
        items ??= detailed
            ? WithTheirAddons(await CompiledPagePricedItemRows.ListAsync(db, ctx, ids, ct)).ToList()
            : await CompiledPageItemDescriptions.ListAsync(db, ctx, ids, ct);
        var byOrder = items.ToLookup(i => i.OrderId);
        if (!detailed)
            return rows.Select(r => Summary(ctx, r, byOrder[r.Id].Select(i => i.Description).ToList(), details: null)).ToList();
        return rows.Select(r =>
        {
            var own = byOrder[r.Id].Select(i => (i.Description, Pricing: i.Pricing!, i.Pricing!.Amounts)).ToList();
            return Summary(ctx, r, own.Select(i => i.Description).ToList(), new OrderSummaryDetailsDto(
                own.Select(i => new SummaryItemDto(i.Description, i.Pricing.Quantity, i.Pricing.BillingCycle, i.Amounts.PeriodPrice)).ToList(),
                r.PaymentMethod, Totals(own.Select(i => (i.Pricing.BillingCycle, i.Amounts)), r.Currency, ctx.Actor.SeesMarkupAndCost),
                Payment(r.PaymentMethod, r.CardBrand, r.CardLast4, own.Select(i => i.Pricing.BillingCycle), r.InvoiceContract, r.Currency)));
        }).ToList();
    }

    /// <param name="descriptions">The descriptions of the order's visible items, in order: its requested changes.</param>
    private static OrderSummaryDto Summary(CustomerContext ctx, OrderRow r, List<string> descriptions, OrderSummaryDetailsDto? details) =>
        new(r.Id, r.Name, r.Status, descriptions.Count, descriptions,
            new CreatedByDto(r.UserId, r.UserName, r.OrgId, r.OrgName, r.OrgType), r.Date, r.Note, r.ScheduledFor, details,
            OrderVisibility.InternalNoteSeenBy(ctx, r.InternalNote));

    /// <param name="windows">The cancellation window hours of the offers of <see cref="WindowOpeners"/>, by offer id.</param>
    public static OrderDetailDto ToDetail(Order order, CustomerContext ctx, DateTime now, IReadOnlyDictionary<string, int?>? windows = null)
    {
        var items = VisibleItemsPriced(order, ctx);
        // Each provisioned purchase or increase can be taken back until its own window closes (CancellationPolicy).
        var appliedAt = AppliedAt(order);
        // "now" is taken before the order is read: a read that waited while the order completed sees a completion later than
        // it, and would call the window not open yet. The answer describes the order as read, so never a moment before that.
        var at = appliedAt > now ? appliedAt.Value : now;
        var cancellableUntil = WindowOpeners(order).ToDictionary(i => i.Id,
            i => CancellationPolicy.CancellableUntil(windows?.GetValueOrDefault(i.OfferId), appliedAt!.Value, at));
        return new OrderDetailDto(
            order.Id, order.Name, order.Status, order.CustomerId, items.Count, items.Select(p => p.Item.Description).ToList(),
            new CreatedByDto(order.CreatedByUserId, order.CreatedByName, order.CreatedByOrganizationId, order.CreatedByOrganizationName, order.CreatedByOrganizationType),
            order.CreatedAt, order.PlacedAt, order.Date, OrderVisibility.UpdatedAtSeenBy(ctx, order), order.Note, OrderVisibility.VersionSeenBy(ctx, order),
            items.Select(p => ToItem(p, ctx.Actor) with { CancellableUntil = cancellableUntil.GetValueOrDefault(p.Item.Id) }).ToList(),
            Payment(order.PaymentMethod, order.CardBrand, order.CardLast4, items.Select(p => p.Item.BillingCycle), order.InvoiceContract, order.Currency),
            Totals(items.Select(p => p.Pricing), order.Currency, ctx.Actor.SeesMarkupAndCost),
            order.Events.Where(e => OrderVisibility.SeesEvent(ctx, e)).OrderBy(e => e.Id)
                .Select(e => new OrderEventDto(e.At, e.FromStatus, e.ToStatus,
                    e.ActorName is null ? "system" : new EventActorDto(e.ActorName, e.ActorOrganizationName), e.Reason))
                .ToList(),
            OrderLifecycle.ActionsFor(order.Status, ctx.Actor, ApprovalRules.MayDecide(ctx.Actor, order)),
            new ScheduleDto(order.Schedule, order.ScheduledAt),
            order.ScheduledFor,
            ApprovalRules.ToDto(order, ctx),
            OrderLifecycle.UnavailableFor(order.Status, ctx.Actor, ApprovalRules.MayDecide(ctx.Actor, order), ApprovalRules.WhyNotDecide(ctx.Actor, order)),
            OrderVisibility.InternalNoteSeenBy(ctx, order.InternalNote));
    }

    /// <summary>How the order is paid; the billing cycle is the visible items' one, or "mixed".</summary>
    private static PaymentDto Payment(PaymentMethod method, string? cardBrand, string? cardLast4, IEnumerable<BillingCycle> itemCycles,
        string invoiceContract, string currency)
    {
        var cycles = itemCycles.Distinct().ToList();
        return new PaymentDto(method, cardBrand, cardLast4,
            cycles.Count == 1 ? ApiNames.Of(cycles[0]) : cycles.Count == 0 ? null : "mixed", invoiceContract, currency);
    }

    /// <summary>An item the caller sees, with its <see cref="OrderItem.Pricing"/> worked out once: for its prices and for the totals.</summary>
    internal readonly record struct PricedItem(OrderItem Item, ItemPricing Pricing);

    /// <summary>The order's items the caller sees (<see cref="OrderVisibility.SeesItem"/>), in their order, each priced once.</summary>
    internal static List<PricedItem> VisibleItemsPriced(Order order, CustomerContext ctx) =>
        order.Items.Where(i => OrderVisibility.SeesItem(ctx, i.Kind)).OrderBy(i => i.Position).Select(i => new PricedItem(i, i.Pricing)).ToList();

    internal static OrderItemDto ToItem(PricedItem item, Identity.Actor viewer)
    {
        var (i, pricing) = item;
        var unit = pricing.UnitPrices;
        var amounts = pricing.Amounts;
        var seen = PriceVisibility.Of(unit, viewer);
        var prices = new ItemPricesDto(seen.CustomerPrice, amounts.PeriodPrice, amounts.TermPrice,
            seen.SellerPrice,
            seen.SellerMarkupPercent,
            // The margin of what the item changes per period (a decrease's is negative), when the margin is seen at all.
            seen.SellerMargin is null ? null : amounts.PeriodPrice - amounts.PeriodCost,
            seen.VendorCost,
            seen.DistributorMarkupPercent);
        return new OrderItemDto(i.Id, i.Kind, i.Description, i.OfferId, i.OfferName, i.VendorName, i.SubscriptionId, i.Quantity,
            i.PreviousQuantity, i.BillingCycle, i.TermMonths, i.AutoRenew,
            viewer.SeesMarkupAndCost ? i.MarkupPercent : null, viewer.SeesMarkupAndCost ? i.PreviousMarkupPercent : null,
            i.Addons.Select(a => new AddonDto(a.OfferId, a.OfferName, a.Quantity, pricing.UnitPricesAt(a.MonthlyVendorCost).CustomerPrice)).ToList(),
            i.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null,
            i.TenantName, i.ProvisioningStatus,
            i.ErrorCode is null ? null : new ItemErrorDto(i.ErrorCode, i.ErrorMessage ?? ""),
            prices);
    }

    /// <summary>What one item would cost by the order's own arithmetic, before it is in any order (the offer page's total).</summary>
    public static CycleTotalsDto Quote(ItemSpec spec, bool seesCost) =>
        Totals([new OrderItem(Guid.Empty, 0, spec).Pricing], spec.Offer.Currency, seesCost).Single();

    /// <summary>
    /// Totals of the visible items per billing cycle: a monthly and an annual amount are never added up
    /// (138.60 a month and 285.10 a year are not 423.70 of anything).
    /// </summary>
    internal static List<CycleTotalsDto> Totals(IEnumerable<ItemPricing> items, string currency, bool seesCost) =>
        Totals(items.Select(i => (i.BillingCycle, i.Amounts)), currency, seesCost);

    /// <summary><see cref="Totals(IEnumerable{ItemPricing}, string, bool)"/> of items whose amounts the caller has worked out already.</summary>
    internal static List<CycleTotalsDto> Totals(IEnumerable<(BillingCycle Cycle, ItemAmounts Amounts)> items, string currency, bool seesCost) =>
        items.GroupBy(i => i.Cycle, i => i.Amounts).OrderBy(g => g.Key).Select(cycle =>
        {
            var zero = Money.Zero(currency);
            var period = cycle.Aggregate(zero, (sum, a) => sum + a.PeriodPrice);
            var term = cycle.Aggregate(zero, (sum, a) => sum + a.TermPrice);
            if (!seesCost) return new CycleTotalsDto(cycle.Key, period, term);
            var cost = cycle.Aggregate(zero, (sum, a) => sum + a.PeriodCost);
            return new CycleTotalsDto(cycle.Key, period, term, cost, period - cost);
        }).ToList();

    /// <summary>
    /// Orders with their items (and the items' add-ons, owned by them). On SQLite as two statements: as one,
    /// EF Core left-joins the order to a subquery of items joined to add-ons, which SQLite cannot flatten and
    /// so materializes from every item of the platform (<c>MATERIALIZE s … SCAN OrderItems</c>: 250–490 ms per
    /// load at 100,000 orders, on every change, placement and provisioning step; docs/performance.md). Split,
    /// the items are an index lookup by order. PostgreSQL plans the single statement well: one round trip (said
    /// explicitly: left to EF Core's default, it warned of two collections loaded in one query at every start).
    /// </summary>
    public static IQueryable<Order> WithItems(this IQueryable<Order> orders, AppDbContext db) =>
        db.IsSqlite ? orders.Include(o => o.Items).AsSplitQuery() : orders.Include(o => o.Items).AsSingleQuery();

    /// <summary>The cursor of the default sort (newest first) after this row; the benchmark pages with it.</summary>
    public static string EncodeCursor(DateTime date, long id) => new OrderCursor(OrderSort.Default, default, date, id).Encode();
}

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
public static class OrderQueries
{
    public static Task<OrderListDto> ListAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit, CancellationToken ct) =>
        ListAsync(db, ctx, filter, cursor, limit, detailed: filter is { View: OrderView.Historical, State: HistoricalState.All }, ct);

    private static async Task<OrderListDto> ListAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit,
        bool detailed, CancellationToken ct)
    {
        var after = OrderCursor.Decode(cursor, filter.Sort);
        var matches = filter.Search is { } term ? await SearchMatchesAsync(db, ctx, term, ct) : null;
        var rows = filter.Sort.Key == OrderSortKey.Status
            ? await StatusSortedRowsAsync(db, ctx, filter, after, limit, matches, ct)
            : await PageRowsAsync(db, ctx, filter, after, limit, matches, onlyStatus: null, ct);
        var page = rows.Take(limit).ToList();
        var summaries = await SummarizeAsync(db, ctx, page, detailed, ct);
        var next = rows.Count > limit ? new OrderCursor(filter.Sort, page[^1].Status, page[^1].Date, page[^1].Id).Encode() : null;
        return new OrderListDto(summaries, next);
    }

    /// <summary>
    /// A status-sorted page, one status at a time in the sort's order, each newest first: every query is a
    /// bound on the (CustomerId, Status, Date DESC, Id DESC) index, so a page deep inside a status of
    /// 100,000 orders reads as few rows as the first page. (One query ordered by status and then date would
    /// need the cursor's "later in this status, or any later status" as an OR, which no index can bound.)
    /// At most one query per status of the view, and it stops as soon as the page is full.
    /// </summary>
    private static async Task<List<OrderRow>> StatusSortedRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, int limit, IReadOnlyCollection<long>? matches, CancellationToken ct)
    {
        IEnumerable<OrderStatus> statuses = filter.Status is { } only
            ? [only]
            : OrderLifecycle.StatusesOf(filter.View, filter.State) ?? (IEnumerable<OrderStatus>)Enum.GetValues<OrderStatus>();
        var rows = new List<OrderRow>();
        foreach (var status in filter.Sort.InStatusOrder(statuses))
        {
            if (after is not null && filter.Sort.CompareStatuses(status, after.Status) < 0) continue;
            var bound = after is not null && after.Status == status ? after : null;
            rows.AddRange(await PageRowsAsync(db, ctx, filter, bound, limit - rows.Count, matches, status, ct));
            if (rows.Count > limit) break;
        }
        return rows;
    }

    /// <summary>
    /// The page's rows: from its shape's compiled query (<see cref="CompiledPageQuery"/>), or, for a text search (whose
    /// matches are written into the SQL) or a shape that could not be compiled, from the query built for this request.
    /// </summary>
    private static async Task<List<OrderRow>> PageRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after,
        int limit, IReadOnlyCollection<long>? matches, OrderStatus? onlyStatus, CancellationToken ct) =>
        (matches is null ? CompiledPageQuery.TryRun(db, ctx, filter, after, limit, onlyStatus) : null) is { } compiled
            ? await compiled.ToListAsync(ct)
            : await PageQuery(db, ctx, filter, after, limit, matches, onlyStatus).ToListAsync(ct);

    /// <summary>
    /// One page of a list in the date or number sort (or of one status, for the status sort) as a single
    /// keyset query: one row more than the page, to know whether another page follows. Internal so the
    /// benchmark can time its SQL directly.
    /// </summary>
    internal static IQueryable<OrderRow> PageQuery(AppDbContext db, CustomerContext ctx, OrderListFilter filter, string? cursor, int limit,
        IReadOnlyCollection<long>? searchMatches = null, OrderStatus? onlyStatus = null) =>
        PageQuery(db, ctx, filter, OrderCursor.Decode(cursor, filter.Sort), limit, searchMatches, onlyStatus);

    /// <summary>The page query itself, which <see cref="CompiledPageQuery"/> also builds (from stand-ins) to compile it.</summary>
    internal static IQueryable<OrderRow> PageQuery(AppDbContext db, CustomerContext ctx, OrderListFilter filter, OrderCursor? after, int limit,
        IReadOnlyCollection<long>? searchMatches, OrderStatus? onlyStatus = null)
    {
        var query = Filtered(db, ctx, filter, searchMatches);
        if (onlyStatus is { } only)
            query = query.Where(o => o.Status == only);
        // Within a status the rows are newest first, whichever way the statuses go.
        var (key, ascending) = filter.Sort.Key == OrderSortKey.Status ? (OrderSortKey.Date, false) : (filter.Sort.Key, filter.Sort.Ascending);
        if (after is not null)
            query = After(db, query, key, ascending, after.Date, after.Id);
        IOrderedQueryable<Order> sorted = (key, ascending) switch
        {
            (OrderSortKey.Number, true) => query.OrderBy(o => o.Id),
            (OrderSortKey.Number, false) => query.OrderByDescending(o => o.Id),
            (_, true) => query.OrderBy(o => o.Date).ThenBy(o => o.Id),
            _ => query.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id),
        };
        return sorted
            .Take(limit + 1)
            .Select(o => new OrderRow(o.Id, o.Name, o.Status, o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationId,
                o.CreatedByOrganizationName, o.CreatedByOrganizationType, o.Date, o.Note,
                // NULL in the SQL for customer-level users: it never reaches the app for them.
                ctx.Actor.SeesInternalNotes ? o.InternalNote : null,
                o.PaymentMethod, o.CardBrand, o.CardLast4, o.InvoiceContract, o.Currency, o.ScheduledFor));
    }

    /// <summary>The rows after a cursor's (date, number) or number, in the direction of the sort.</summary>
    private static IQueryable<Order> After(AppDbContext db, IQueryable<Order> query, OrderSortKey key, bool ascending, DateTime d, long id)
    {
        if (key == OrderSortKey.Number)
            return ascending ? query.Where(o => o.Id > id) : query.Where(o => o.Id < id);
        if (db.Database.IsNpgsql())
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
    /// The visible items of the orders on a page, in order: the list's second and last query. One expression with the
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

    /// <summary><see cref="PageItems"/> compiled, for callers who do not [0] and do [1] see markup.</summary>
    private static readonly PerModel<Func<AppDbContext, long[], IAsyncEnumerable<OrderItem>>>[] CompiledPageItems =
        [new(() => EF.CompileAsyncQuery(PageItems(seesMarkup: false))), new(() => EF.CompileAsyncQuery(PageItems(seesMarkup: true)))];

    private static Task<List<OrderItem>> PageItemsAsync(AppDbContext db, CustomerContext ctx, long[] orderIds, CancellationToken ct) =>
        CompiledPageItems[OrderVisibility.SeesMarkup(ctx) ? 1 : 0].For(db)(db, orderIds).ToListAsync(ct).AsTask();

    /// <summary>
    /// The same statement as a query, for the benchmark, which times its SQL run directly (it compiles the expression
    /// to build the queryable on each call: the benchmark calls it once per list, the app never).
    /// </summary>
    internal static IQueryable<OrderItem> PageItemsQuery(AppDbContext db, CustomerContext ctx, IReadOnlyCollection<long> orderIds) =>
        PageItems(OrderVisibility.SeesMarkup(ctx)).Compile()(db, orderIds.ToArray());

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
        var order = await db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Include(o => o.Items).Include(o => o.Events)
            .AsSplitQuery()
            .SingleOrDefaultAsync(o => o.Id == id, ct);
        return order is null ? null : await DetailOfAsync(db, ctx, order, now, ct);
    }

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

    /// <summary>The applied items that opened a cancellation window: a purchase, or the licences an increase added.</summary>
    /// <summary>The cancellation window hours of these items' offers, by offer id (one query; none for no items).</summary>
    public static async Task<IReadOnlyDictionary<string, int?>> WindowHoursAsync(AppDbContext db, IEnumerable<OrderItem> items, CancellationToken ct)
    {
        var offers = items.Select(i => i.OfferId).Distinct().ToList();
        return offers.Count == 0
            ? new Dictionary<string, int?>()
            : await db.Offers.AsNoTracking().Where(o => offers.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.CancellationWindowHours, ct);
    }

    private static IEnumerable<OrderItem> WindowOpeners(Order order) => AppliedAt(order) is null
        ? []
        : order.Items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished
                                 && i.OpensCancellationWindow);

    /// <summary>At most this many matching orders are looked up by the search indexes; more, and the term is frequent.</summary>
    internal const int SearchIndexCap = 1000;

    /// <summary>
    /// The orders whose name, visible note or visible item's offer name contains the term, found with an
    /// index: for a rare term a handful of index reads instead of walking all of a 200,000-order customer's
    /// orders. On PostgreSQL the trigram indexes (orders of this customer by name and notes; items of any
    /// customer, which the page query narrows to this customer's); on SQLite the FTS5 trigram table
    /// (<see cref="SqliteOrderSearch"/>). Null when the index cannot help (terms shorter than a trigram) or
    /// the term is frequent (more than <see cref="SearchIndexCap"/> matches): then the list walks the
    /// customer's newest orders and stops at a page of matches, which is quick exactly because matches are
    /// frequent. Both follow the visibility rule, so a customer's search never matches a hidden markup
    /// item or a note they may not see.
    /// </summary>
    internal static async Task<List<long>?> SearchMatchesAsync(AppDbContext db, CustomerContext ctx, string term, CancellationToken ct)
    {
        if (OrderListFilter.ExactNumber(term) is not null) return null;
        if (!db.Database.IsNpgsql())
        {
            if (SqliteOrderSearch.MatchQuery(db, ctx, term) is not { } lookup) return null;
            var found = await lookup.ToListAsync(ct);
            return found.Count > SearchIndexCap ? null : found;
        }
        if (term.Length < 3) return null;
        return (await TrigramLookupsAsync(db, ctx, term, ct)).Matches;
    }

    /// <summary>
    /// A search's trigram lookups on PostgreSQL: the items' first, the names' only when the items' stayed under the cap;
    /// the matches (null over the cap) and the lookups that ran, which the benchmark times as the app runs them.
    /// </summary>
    internal static async Task<(List<long>? Matches, IReadOnlyList<IQueryable<long>> Ran)> TrigramLookupsAsync(AppDbContext db,
        CustomerContext ctx, string term, CancellationToken ct)
    {
        var (byName, byItem) = SearchMatchQueries(db, ctx, term);
        var items = await byItem.ToListAsync(ct);
        if (items.Count > SearchIndexCap) return (null, [byItem]);
        var names = await byName.ToListAsync(ct);
        return (names.Count > SearchIndexCap ? null : names.Union(items).ToList(), [byItem, byName]);
    }

    /// <summary>The two index lookups of <see cref="TrigramLookupsAsync"/>.</summary>
    private static (IQueryable<long> ByName, IQueryable<long> ByItem) SearchMatchQueries(AppDbContext db, CustomerContext ctx, string term)
    {
        // The pattern is inlined (EF.Constant), not a parameter: each term is planned for its own
        // selectivity (trigram index for a rare one), never by a prepared statement's generic plan.
        var pattern = LikePattern(term);
        var orders = db.Orders.AsNoTracking().VisibleOrders(ctx, inlineCustomer: true);
        // Name and the notes the caller may see, each with its trigram index (PostgreSQL ORs the bitmaps).
        var byName = (ctx.Actor.SeesInternalNotes
                ? orders.Where(o => EF.Functions.ILike(o.Name, EF.Constant(pattern), LikeEscape) || EF.Functions.ILike(o.Note!, EF.Constant(pattern), LikeEscape)
                                    || EF.Functions.ILike(o.InternalNote!, EF.Constant(pattern), LikeEscape))
                : orders.Where(o => EF.Functions.ILike(o.Name, EF.Constant(pattern), LikeEscape) || EF.Functions.ILike(o.Note!, EF.Constant(pattern), LikeEscape)))
            .Select(o => o.Id).Take(SearchIndexCap + 1);
        // Items across the platform (they carry no customer): the page query keeps only this customer's
        // visible orders. Joining the customer here would hash all of its orders even for a frequent term;
        // unjoined, a frequent term stops after SearchIndexCap + 1 rows.
        var byItem = db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx)).Where(i => EF.Functions.ILike(i.OfferName, EF.Constant(pattern), LikeEscape))
            .Select(i => i.OrderId).Take(SearchIndexCap + 1);
        return (byName, byItem);
    }

    private const string LikeEscape = @"\";

    /// <summary>"%term%" for (I)LIKE, with the term's own wildcards and the escape character escaped.</summary>
    private static string LikePattern(string term) =>
        "%" + term.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

    private static IQueryable<Order> Filtered(AppDbContext db, CustomerContext ctx, OrderListFilter filter, IReadOnlyCollection<long>? searchMatches = null)
    {
        var query = db.Orders.AsNoTracking().VisibleOrders(ctx, inlineCustomer: searchMatches is not null);
        var statuses = OrderLifecycle.StatusesOf(filter.View, filter.State);
        if (statuses is [var only])
            // One status (Draft): an equality, a bound on the (CustomerId, Status, Date, Id) index.
            query = query.Where(o => o.Status == only);
        else if (statuses is not null)
            // Written into the SQL, not a parameter: a view's statuses never vary, and Recent's are the predicate of
            // IX_Orders_Recent, which PostgreSQL (in a prepared statement's generic plan) and SQLite match only against
            // the same constants.
            query = query.Where(o => EF.Constant(statuses).Contains(o.Status));
        if (filter.Status is { } status)
            query = query.Where(o => o.Status == status);
        if (filter.CreatedBy is { } by)
            query = query.Where(o => o.CreatedByUserId == by);
        if (filter.From is { } from)
            query = query.Where(o => o.Date >= from);
        if (filter.To is { } to)
            query = query.Where(o => o.Date <= to);
        if (filter.Search is { } q && OrderListFilter.ExactNumber(q) is { } exact)
            // "#11" is order 11, and only it: not every order whose name or note mentions "#11".
            query = query.Where(o => o.Id == exact);
        else if (filter.Search is { } text)
            query = query.Where(Matching(db, ctx, text, searchMatches));
        return query;
    }

    /// <summary>
    /// The orders a search term finds: its number, or the term in the order's name, the notes the caller may
    /// see (customer-level users: not the internal note) or a visible item's offer name.
    /// </summary>
    private static Expression<Func<Order, bool>> Matching(AppDbContext db, CustomerContext ctx, string q,
        IReadOnlyCollection<long>? searchMatches)
    {
        var number = long.TryParse(q, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        var seesInternal = ctx.Actor.SeesInternalNotes;
        var visibleItems = db.OrderItems.Where(OrderVisibility.VisibleItem(ctx));
        if (searchMatches is not null)
            // Inlined, not parameters: a prepared statement's generic plan cannot know how few the matches
            // are (or how rare a pattern), and walked all 200,000 orders of the big customer (43 ms).
            return o => o.Id == number || EF.Constant(searchMatches).Contains(o.Id);
        if (db.Database.IsNpgsql())
        {
            // Frequent terms: correlated per order on the items' OrderId index, walking the customer's
            // newest orders until a page matched. Written as (SELECT 1 … LIMIT 1) IS NOT NULL, not
            // EXISTS: PostgreSQL may run an EXISTS under OR as a hashed subplan, i.e. first read every
            // matching item of the platform (3.8 s for "microsoft 365" at 1,000,000 orders, 2.9 ms this way).
            var pattern = LikePattern(q);
            return o => o.Id == number || EF.Functions.ILike(o.Name, EF.Constant(pattern), LikeEscape)
                        || EF.Functions.ILike(o.Note!, EF.Constant(pattern), LikeEscape)
                        || (seesInternal && EF.Functions.ILike(o.InternalNote!, EF.Constant(pattern), LikeEscape))
                        || visibleItems.Where(i => i.OrderId == o.Id && EF.Functions.ILike(i.OfferName, EF.Constant(pattern), LikeEscape))
                            .Select(i => (int?)1).FirstOrDefault() != null;
        }
        // SQLite, for terms its index cannot look up (shorter than a trigram, or frequent): correlated per
        // order, so a search reads this customer's newest orders and their items until a page matched.
        var term = q.ToLower();
        return o => o.Id == number || o.Name.ToLower().Contains(term)
                    || (o.Note != null && o.Note.ToLower().Contains(term))
                    || (seesInternal && o.InternalNote != null && o.InternalNote.ToLower().Contains(term))
                    || visibleItems.Any(i => i.OrderId == o.Id && i.OfferName.ToLower().Contains(term));
    }

    internal sealed record OrderRow(long Id, string Name, OrderStatus Status, Guid UserId, string UserName, Guid OrgId, string OrgName,
        OrganizationType OrgType, DateTime Date, string? Note, string? InternalNote, PaymentMethod PaymentMethod, string? CardBrand, string? CardLast4,
        string InvoiceContract, string Currency, DateTime? ScheduledFor);

    private static async Task<List<OrderSummaryDto>> SummarizeAsync(AppDbContext db, CustomerContext ctx, List<OrderRow> rows, bool detailed, CancellationToken ct)
    {
        if (rows.Count == 0) return [];
        var ids = rows.Select(r => r.Id).ToArray();
        var items = await PageItemsAsync(db, ctx, ids, ct);
        var byOrder = items.ToLookup(i => i.OrderId);
        return rows.Select(r =>
        {
            var own = byOrder[r.Id].ToList();
            return new OrderSummaryDto(r.Id, r.Name, r.Status, own.Count, own.Select(i => i.Description).ToList(),
                new CreatedByDto(r.UserId, r.UserName, r.OrgId, r.OrgName, r.OrgType), r.Date, r.Note, r.ScheduledFor,
                detailed
                    ? new OrderSummaryDetailsDto(
                        own.Select(i => new SummaryItemDto(i.Description, i.Quantity, i.BillingCycle, i.PeriodAmount(p => p.CustomerPrice))).ToList(),
                        r.PaymentMethod, Totals(own, r.Currency, ctx.Actor.SeesMarkupAndCost),
                        Payment(r.PaymentMethod, r.CardBrand, r.CardLast4, own, r.InvoiceContract, r.Currency))
                    : null,
                OrderVisibility.InternalNoteSeenBy(ctx, r.InternalNote));
        }).ToList();
    }

    /// <param name="windows">The cancellation window hours of the offers of <see cref="WindowOpeners"/>, by offer id.</param>
    public static OrderDetailDto ToDetail(Order order, CustomerContext ctx, DateTime now, IReadOnlyDictionary<string, int?>? windows = null)
    {
        var items = order.Items.Where(i => OrderVisibility.SeesItem(ctx, i.Kind)).OrderBy(i => i.Position).ToList();
        // Each provisioned purchase or increase can be taken back until its own window closes (CancellationPolicy).
        var appliedAt = AppliedAt(order);
        var cancellableUntil = WindowOpeners(order).ToDictionary(i => i.Id,
            i => CancellationPolicy.CancellableUntil(windows?.GetValueOrDefault(i.OfferId), appliedAt!.Value, now));
        return new OrderDetailDto(
            order.Id, order.Name, order.Status, order.CustomerId, items.Count, items.Select(i => i.Description).ToList(),
            new CreatedByDto(order.CreatedByUserId, order.CreatedByName, order.CreatedByOrganizationId, order.CreatedByOrganizationName, order.CreatedByOrganizationType),
            order.CreatedAt, order.PlacedAt, order.Date, OrderVisibility.UpdatedAtSeenBy(ctx, order), order.Note, OrderVisibility.VersionSeenBy(ctx, order),
            items.Select(i => ToItem(i, ctx.Actor) with { CancellableUntil = cancellableUntil.GetValueOrDefault(i.Id) }).ToList(),
            Payment(order.PaymentMethod, order.CardBrand, order.CardLast4, items, order.InvoiceContract, order.Currency),
            Totals(items, order.Currency, ctx.Actor.SeesMarkupAndCost),
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
    private static PaymentDto Payment(PaymentMethod method, string? cardBrand, string? cardLast4, IReadOnlyCollection<OrderItem> items,
        string invoiceContract, string currency)
    {
        var cycles = items.Select(i => i.BillingCycle).Distinct().ToList();
        return new PaymentDto(method, cardBrand, cardLast4,
            cycles.Count == 1 ? ApiNames.Of(cycles[0]) : cycles.Count == 0 ? null : "mixed", invoiceContract, currency);
    }

    internal static OrderItemDto ToItem(OrderItem i, Identity.Actor viewer)
    {
        var unit = i.UnitPrices;
        var periods = Catalog.Pricing.PeriodsPerTerm(i.TermMonths, i.BillingCycle);
        var periodPrice = i.PeriodAmount(p => p.CustomerPrice);
        var seen = PriceVisibility.Of(unit, viewer);
        var prices = new ItemPricesDto(seen.CustomerPrice, periodPrice, periodPrice.Times(periods),
            seen.SellerPrice,
            seen.SellerMarkupPercent,
            // The margin of what the item changes per period (a decrease's is negative), when the margin is seen at all.
            seen.SellerMargin is null ? null : periodPrice - i.PeriodAmount(p => p.SellerPrice),
            seen.VendorCost,
            seen.DistributorMarkupPercent);
        return new OrderItemDto(i.Id, i.Kind, i.Description, i.OfferId, i.OfferName, i.VendorName, i.SubscriptionId, i.Quantity,
            i.PreviousQuantity, i.BillingCycle, i.TermMonths, i.AutoRenew,
            viewer.SeesMarkupAndCost ? i.MarkupPercent : null, viewer.SeesMarkupAndCost ? i.PreviousMarkupPercent : null,
            i.AddonPrices.Select(a => new AddonDto(a.Addon.OfferId, a.Addon.OfferName, a.Addon.Quantity, a.Prices.CustomerPrice)).ToList(),
            i.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null,
            i.TenantName, i.ProvisioningStatus,
            i.ErrorCode is null ? null : new ItemErrorDto(i.ErrorCode, i.ErrorMessage ?? ""),
            prices);
    }

    /// <summary>What one item would cost by the order's own arithmetic, before it is in any order (the offer page's total).</summary>
    public static CycleTotalsDto Quote(ItemSpec spec, bool seesCost) =>
        Totals([new OrderItem(Guid.Empty, 0, spec)], spec.Offer.Currency, seesCost).Single();

    /// <summary>
    /// Totals of the visible items per billing cycle: a monthly and an annual amount are never added up
    /// (138.60 a month and 285.10 a year are not 423.70 of anything).
    /// </summary>
    internal static List<CycleTotalsDto> Totals(IReadOnlyCollection<OrderItem> items, string currency, bool seesCost) =>
        items.GroupBy(i => i.BillingCycle).OrderBy(g => g.Key).Select(cycle =>
        {
            var zero = Money.Zero(currency);
            var period = cycle.Aggregate(zero, (sum, i) => sum + i.PeriodAmount(p => p.CustomerPrice));
            var term = cycle.Aggregate(zero, (sum, i) => sum + i.PeriodAmount(p => p.CustomerPrice).Times(Catalog.Pricing.PeriodsPerTerm(i.TermMonths, i.BillingCycle)));
            if (!seesCost) return new CycleTotalsDto(cycle.Key, period, term);
            var cost = cycle.Aggregate(zero, (sum, i) => sum + i.PeriodAmount(p => p.SellerPrice));
            return new CycleTotalsDto(cycle.Key, period, term, cost, period - cost);
        }).ToList();

    /// <summary>
    /// Orders with their items (and the items' add-ons, owned by them). On SQLite as two statements: as one,
    /// EF Core left-joins the order to a subquery of items joined to add-ons, which SQLite cannot flatten and
    /// so materializes from every item of the platform (<c>MATERIALIZE s … SCAN OrderItems</c>: 250–490 ms per
    /// load at 100,000 orders, on every change, placement and provisioning step; docs/performance.md). Split,
    /// the items are an index lookup by order. PostgreSQL plans the single statement well: one round trip.
    /// </summary>
    public static IQueryable<Order> WithItems(this IQueryable<Order> orders, AppDbContext db) =>
        db.Database.IsSqlite() ? orders.Include(o => o.Items).AsSplitQuery() : orders.Include(o => o.Items);

    /// <summary>The cursor of the default sort (newest first) after this row; the benchmark pages with it.</summary>
    public static string EncodeCursor(DateTime date, long id) => new OrderCursor(OrderSort.Default, default, date, id).Encode();
}

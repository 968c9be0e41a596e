using System.Globalization;
using System.Linq.Expressions;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The lists' text search (q): which orders a term finds, and how a page finds them fast on a 200,000-order customer
/// (docs/performance.md points 2, 9, 21 and 23).
/// </summary>
public static partial class OrderQueries
{
    /// <summary>At most this many matching orders are looked up by the search indexes; more, and the term is frequent.</summary>
    internal const int SearchIndexCap = 1000;

    /// <summary>How many of the customer's orders a frequent term's page checks one by one before it asks the indexes again.</summary>
    internal const int SearchWalkBudget = 1000;

    /// <summary>The cap of that second, wider lookup (<see cref="FrequentTermRowsAsync"/>).</summary>
    internal const int SearchWideCap = 3000;

    /// <summary>
    /// At most this many of a customer's offer names holding a term are read one by one (<see cref="OfferNameRowsAsync"/>); a term
    /// in more of them (a word of many offers' names) is found among the newest orders by walking.
    /// </summary>
    internal const int SearchMaxOfferNames = 32;

    /// <summary>How many times <see cref="OfferNameRowsAsync"/> reads further down the offer names' items before it walks instead.</summary>
    internal const int SearchOfferNameRounds = 4;

    /// <summary>Begins every tag of a search's own statements (<see cref="SearchLookupTag"/>, <see cref="OfferNameItemsTag"/>).</summary>
    internal const string SearchTag = "search:";

    /// <summary>Marks the index lookups in the SQL (a comment), for the benchmark's SQL timer and for whoever reads a slow-query log.</summary>
    internal const string SearchLookupTag = SearchTag + " index lookup";

    /// <summary>
    /// Marks the reads of a customer's items by offer name (<see cref="OfferNameItems"/>). Unlike the index lookups they carry
    /// parameters (cursor, names, limit): an equality on both leading columns of a btree ordered as the query asks is that
    /// index's bound, and with every column the statement reads in that index it is the cheapest plan whatever the generic
    /// plan guesses, so a prepared statement cannot be misled as a trigram lookup's was. Hence the number sort reads no date:
    /// with it, the date's index held every column and the number's did not, and a generic plan that guessed 77 items per name
    /// read all 43,645 of one name from the date's index and sorted them, 14.6 ms per name (performance.md point 27).
    /// </summary>
    internal const string OfferNameItemsTag = SearchTag + " offer-name items";

    /// <summary>What the search indexes said about a term; it decides how a page finds its orders. Null: no index can help (walk).</summary>
    internal abstract record SearchLookup
    {
        /// <summary>At most <see cref="SearchIndexCap"/> orders match anywhere the caller may look: the page is among these.</summary>
        internal sealed record Found(IReadOnlyCollection<long> Orders) : SearchLookup;

        /// <summary>
        /// More than <see cref="SearchIndexCap"/> match on the platform: <see cref="FrequentTermRowsAsync"/>. <paramref name="OnItems"/>:
        /// the term may be on this customer's items (<see cref="CustomerOfferNames"/>), so the wider lookup looks them up too.
        /// <paramref name="Own"/>: the names' lookup as <see cref="LookUpAsync"/> read it (null on SQLite), which the wider
        /// lookup needs as well and does not read again.
        /// </summary>
        internal sealed record Frequent(string Term, bool OnItems, OwnMatches? Own) : SearchLookup
        {
            /// <summary>The wider lookup, once per request (a status-sorted list asks for each status).</summary>
            internal Task<List<long>?>? Narrowed { get; set; }
        }

        /// <summary>
        /// On this customer's items: the page is read by its offer names' items (<see cref="OfferNameRowsAsync"/>),
        /// rare term or frequent; where the list's filters leave too few of them, the walk goes on (<see cref="Walk"/>).
        /// </summary>
        internal sealed record ByOfferName(OfferNameMatches Matches, string Term) : SearchLookup
        {
            internal Frequent Walk { get; } = new(Term, OnItems: true, new OwnMatches(Matches.OwnMatches));
        }
    }

    /// <summary>
    /// The orders whose name, visible note or visible item's offer name contains the term, found with an
    /// index: for a rare term a handful of index reads instead of walking all of a 200,000-order customer's
    /// orders. On PostgreSQL the trigram indexes (orders of this customer by name and notes; items of any
    /// customer, which the page query narrows to this customer's); on SQLite the FTS5 trigram table
    /// (<see cref="SqliteOrderSearch"/>). For a text (<see cref="OrderListFilter.SearchedText"/>); null when the index cannot
    /// help (terms shorter than a trigram): then the list walks the customer's orders. Both follow the visibility rule, so a customer's search never
    /// matches a hidden markup item or a note they may not see.
    /// </summary>
    internal static async Task<SearchLookup?> LookUpAsync(AppDbContext db, CustomerContext ctx, string term, CancellationToken ct)
    {
        if (!IndexCanLookUp(db, term)) return null;
        // A term on no item of this customer is looked up in its names and notes alone: the items' lookup, platform-wide,
        // would find a product many others bought as frequent and send the page walking all of this customer's orders.
        // Null names: more than the offer-name path reads, or not comparable here; the term may be on the items.
        var (names, own) = await NamesAndOwnMatchesAsync(db, ctx, term, ct);
        var onItems = names is null || names.Count > 0;
        // On the items, the customer's own items of those names find the page in any sort, however many of the platform's
        // items hold the term: its platform-wide lookup, which only says "frequent" for such a term, is skipped.
        if (onItems && OfferNameMatchesOf(names, own, term) is { } byOfferName)
            return new SearchLookup.ByOfferName(byOfferName, term);
        return await IndexMatchesAsync(db, ctx, term, SearchIndexCap, onItems, own, ct) is { } found
            ? new SearchLookup.Found(found)
            : new SearchLookup.Frequent(term, onItems, own);
    }

    /// <summary>
    /// What every search on PostgreSQL reads first, in one statement (one round trip fewer for every search, performance.md
    /// point 48): the customer's offer names holding the term (<see cref="CustomerOfferNames.ContainingAsync"/>'s answer, null over
    /// <see cref="SearchMaxOfferNames"/>) and the names' trigram lookup, the customer's orders whose name or visible note holds it
    /// (<see cref="OwnMatches"/>). PostgreSQL plans the two halves of its <c>UNION ALL</c> apart, as the two statements they
    /// were. On SQLite the offer names alone: its FTS5 lookup reads names, notes and items at once, later.
    /// </summary>
    private static async Task<(List<string>? Names, OwnMatches? Own)> NamesAndOwnMatchesAsync(AppDbContext db, CustomerContext ctx, string term,
        CancellationToken ct)
    {
        if (!db.IsPostgres) return (await CustomerOfferNames.ContainingAsync(db, ctx, term, SearchMaxOfferNames, ct), null);
        var read = await SearchLookupReads.NamesAndOwnMatches(db, ctx, term).ToListAsync(ct);
        var names = read.Where(r => r.OfferName is not null).Select(r => r.OfferName!).ToList();
        var orders = read.Where(r => r.OfferName is null).Select(r => r.OrderId!.Value).ToList();
        return (names.OrNullOver(SearchMaxOfferNames), new OwnMatches(orders.OrNullOver(SearchIndexCap)));
    }

    /// <summary>
    /// The statement of <see cref="NamesAndOwnMatchesAsync"/> on PostgreSQL, run as <see cref="SearchLookupReads"/>' compiled query:
    /// the customer's offer names holding the term, then the names' lookup.
    /// </summary>
    internal static IQueryable<NameOrOrder> NamesAndOwnMatchesQuery(AppDbContext db, CustomerContext ctx, string term) =>
        CustomerOfferNames.Containing(db, ctx, term).Select(n => new NameOrOrder { OfferName = n, OrderId = null })
            .Concat(NamesLookup(db, ctx, term, SearchIndexCap + 1).Select(id => new NameOrOrder { OfferName = null, OrderId = id }));

    /// <summary>A row of <see cref="NamesAndOwnMatchesAsync"/>: an offer name, or an order.</summary>
    internal sealed class NameOrOrder
    {
        public string? OfferName { get; init; }
        public long? OrderId { get; init; }
    }

    /// <summary>
    /// The names' trigram lookup as read: the customer's visible orders whose name or a note the caller may see holds the term;
    /// <paramref name="Orders"/> null when more than <see cref="SearchIndexCap"/> do (the term is common here).
    /// </summary>
    internal sealed record OwnMatches(IReadOnlyCollection<long>? Orders);

    /// <summary>Whether the search index can look the term up: a trigram's worth of it (and on SQLite, no offer-name separator).</summary>
    private static bool IndexCanLookUp(AppDbContext db, string term) =>
        db.IsPostgres ? term.Length >= 3 : SqliteOrderSearch.CanLookUp(term);

    /// <summary>
    /// The index lookups of a term the index can look up (<see cref="IndexCanLookUp"/>): the orders it matches anywhere the caller may
    /// look (null over <paramref name="cap"/>); the items' offer names only when <paramref name="onItems"/>. On PostgreSQL the
    /// items' lookup first, the names' (unless already read) only when the items' stayed under the cap. The names' lookup is this customer's own and
    /// keeps <see cref="SearchIndexCap"/> whatever the cap: with more matches than that among its own names and notes, the term
    /// is common here and the page finds them by walking.
    /// </summary>
    /// <param name="own">The names' lookup, if already read (<see cref="NamesAndOwnMatchesAsync"/>).</param>
    private static async Task<List<long>?> IndexMatchesAsync(AppDbContext db, CustomerContext ctx, string term, int cap, bool onItems,
        OwnMatches? own, CancellationToken ct)
    {
        if (!db.IsPostgres)
            return (await SqliteOrderSearch.MatchQuery(db, ctx, term, cap, onItems).ToListAsync(ct)).OrNullOver(cap);
        var items = onItems ? await ItemsLookup(db, ctx, term, cap + 1).ToListAsync(ct) : [];
        if (items.Count > cap) return null;
        // The names' lookup: as read with the offer names, or read now.
        var names = own is not null ? own.Orders : (await NamesLookup(db, ctx, term, SearchIndexCap + 1).ToListAsync(ct)).OrNullOver(SearchIndexCap);
        return names?.Union(items).ToList();
    }

    /// <summary>
    /// The names' trigram lookup of <see cref="IndexMatchesAsync"/> on PostgreSQL: at most <paramref name="limit"/> of the
    /// customer's visible orders whose name or a note the caller may see holds the term, the limit written in as
    /// <see cref="ItemsLookup"/> says.
    /// </summary>
    private static IQueryable<long> NamesLookup(AppDbContext db, CustomerContext ctx, string term, int limit)
    {
        // The pattern is written in with the customer (ValuesWrittenIn), not a parameter: each term is planned for its own
        // selectivity (trigram index for a rare one), never by a prepared statement's generic plan.
        var pattern = LikePattern(term);
        var orders = db.Orders.AsNoTracking().TagWith(SearchLookupTag).VisibleOrders(ctx, valuesWrittenIn: true);
        // Name and the notes the caller may see, each with its trigram index (PostgreSQL ORs the bitmaps).
        return (ctx.Actor.SeesInternalNotes
                ? orders.Where(o => EF.Functions.ILike(o.Name, pattern, LikeEscape) || EF.Functions.ILike(o.Note!, pattern, LikeEscape)
                                    || EF.Functions.ILike(o.InternalNote!, pattern, LikeEscape))
                : orders.Where(o => EF.Functions.ILike(o.Name, pattern, LikeEscape) || EF.Functions.ILike(o.Note!, pattern, LikeEscape)))
            .Select(o => o.Id).Take(limit);
    }

    /// <summary>
    /// The items' trigram lookup of <see cref="IndexMatchesAsync"/> on PostgreSQL: at most <paramref name="limit"/> items across
    /// the platform (they carry no customer) whose offer name holds the term, the page query keeping only this customer's
    /// visible orders. Joining the customer here would hash all of its orders even for a frequent term; unjoined, a frequent
    /// term stops at the limit.
    /// <para>
    /// The LIMIT is written into the SQL with the lookup's other values (<see cref="ValuesWrittenIn"/>). With the limit a
    /// parameter, once Npgsql had prepared a popular term's lookup PostgreSQL could switch to a generic plan, which assumes a
    /// LIMIT of a tenth of the estimated matches: for a term of ~2,000 items that can make reading the items table
    /// sequentially look cheaper than the trigram index (the benchmark's run of 16:37: 266–294 ms per search against 4–6 ms
    /// planned with the limit known; performance.md point 23). With the limit written in too PostgreSQL plans the lookup
    /// knowing everything.
    /// </para>
    /// </summary>
    private static IQueryable<long> ItemsLookup(AppDbContext db, CustomerContext ctx, string term, int limit)
    {
        var pattern = LikePattern(term);
        return db.OrderItems.AsNoTracking().TagWith(SearchLookupTag).WithValuesWrittenIn().Where(OrderVisibility.VisibleItem(ctx))
            .Where(i => EF.Functions.ILike(i.OfferName, pattern, LikeEscape))
            .Select(i => i.OrderId).Take(limit);
    }

    /// <summary>
    /// A page for a term the indexes found more than <see cref="SearchIndexCap"/> times on the platform, too many to list.
    /// Walking the customer's orders newest first, each checked on its own items, finds a page at once where the term is
    /// common here, and reads every order where it is not: 1.8–2.3 s for a 200,000-order customer who never bought a product
    /// many others did (performance.md point 22). So the walk checks at most <see cref="SearchWalkBudget"/> orders; when
    /// those do not fill the page the term is rare here after all, and the rest of the page comes from a wider lookup
    /// (<see cref="SearchWideCap"/> on the platform) narrowed to this customer's orders — or, for a term more frequent than
    /// that as well, from walking on (point 23 says what that still costs).
    /// </summary>
    private static async Task<PageRead> FrequentTermRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, int limit, SearchLookup.Frequent frequent, OrderStatus? onlyStatus, bool detailed, CancellationToken ct)
    {
        // The last order the budget reaches; none if the list has fewer orders than that, and the walk reads them all. The
        // customer is written into the SQL: a prepared statement's generic plan, made for an average customer of a few hundred
        // orders, sorts all of a big customer's orders for the thousandth (45 ms for 200,000 against 0.9).
        var last = await Sorted(Window(db, ctx, filter, after, onlyStatus, valuesWrittenIn: true), filter)
            .Skip(SearchWalkBudget - 1).Select(o => new { o.Status, o.Date, o.Id }).FirstOrDefaultAsync(ct);
        if (last is null)
            return PageRead.Of(await PageQuery(db, ctx, filter, after, limit, searchMatches: null, onlyStatus).ToListAsync(ct));
        var walked = PageRead.Of(await PageQuery(db, ctx, filter, after, limit, searchMatches: null, onlyStatus, SearchWalkBudget).ToListAsync(ct));
        if (walked.Rows.Count > limit) return walked;
        var reached = new OrderCursor(filter.Sort, last.Status, last.Date, last.Id);
        var narrowed = await (frequent.Narrowed ??= NarrowedMatchesAsync(db, ctx, frequent, ct));
        return walked.Then(await PageAmongAsync(db, ctx, filter, reached, limit - walked.Rows.Count, narrowed, onlyStatus, detailed, ct));
    }

    /// <summary>What a frequent term's page is read by when it is on this customer's items (<see cref="OfferNameRowsAsync"/>).</summary>
    /// <param name="OfferNames">This customer's offer names that hold the term (<see cref="CustomerOfferNames"/>).</param>
    /// <param name="OwnMatches">Every visible order of the customer whose name or visible note holds it (the names' index lookup).</param>
    internal sealed record OfferNameMatches(IReadOnlyList<string> OfferNames, IReadOnlyCollection<long> OwnMatches);

    /// <summary>
    /// The matches <see cref="OfferNameRowsAsync"/> needs, or null when it cannot read the page by them: on SQLite (no
    /// <paramref name="own"/> read), or with the term in more than <see cref="SearchMaxOfferNames"/> of the customer's offer names,
    /// or in more than <see cref="SearchIndexCap"/> of its orders' names and notes (a term common here, which the walk finds among
    /// the newest orders at once), or holding the names' separator (the walk checks such a term on the items themselves).
    /// </summary>
    private static OfferNameMatches? OfferNameMatchesOf(IReadOnlyList<string>? names, OwnMatches? own, string term) =>
        // PostgreSQL only: the orders' names and notes are looked up there in trigram indexes of their own, while SQLite's FTS5
        // phrase lookup reads the term's doclists over every column of its one table — for a term on most orders' offers,
        // ~40 ms to find it in none of their names and notes (the walk's 5 ms; performance.md point 26).
        names is null || own?.Orders is not { } orders || term.Contains(OrderOfferNames.Separator) ? null : new OfferNameMatches(names, orders);

    /// <summary>A page of a <see cref="SearchLookup.ByOfferName"/> term: read by its offer names' items, then walked on where they stopped.</summary>
    private static async Task<PageRead> ByOfferNameRowsAsync(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, int limit, SearchLookup.ByOfferName byOfferName, OrderStatus? onlyStatus, bool detailed, CancellationToken ct)
    {
        var (found, stoppedAt) = await OfferNameRowsAsync(db, ctx, filter, after, limit, byOfferName.Matches, onlyStatus, detailed, ct);
        return stoppedAt is null ? found
            : found.Then(await FrequentTermRowsAsync(db, ctx, filter, stoppedAt, limit - found.Rows.Count, byOfferName.Walk, onlyStatus, detailed, ct));
    }

    /// <summary>
    /// A page of a frequent term on this customer's items, read by the items rather than by walking the orders: for each of the
    /// customer's offer names holding the term, its items in the list's order after the cursor (<see cref="OrderItemListKeys"/>'s
    /// indexes: by date, or by number in the number sort), a page's worth each. Those items' orders, with the orders whose own name or
    /// note holds the term, are the candidates; the page query keeps the ones the list shows. Up to the "horizon" — the
    /// nearest last item among the offer names that had more — every match is a candidate, so the rows up to it are the
    /// page's; when the list's filters leave too few of them, the next round reads on from the horizon, four times as many
    /// items each. Bounded: after <see cref="SearchOfferNameRounds"/> rounds it returns the rows found and the cursor it
    /// stopped at, and the walk goes on from there. The cost is a page's worth of index rows per offer name, however many of
    /// the customer's newest orders lack the term (performance.md point 26).
    /// </summary>
    private static async Task<(PageRead Read, OrderCursor? StoppedAt)> OfferNameRowsAsync(AppDbContext db, CustomerContext ctx,
        OrderListFilter filter, OrderCursor? after, int limit, OfferNameMatches matches, OrderStatus? onlyStatus, bool detailed, CancellationToken ct)
    {
        var (key, ascending) = KeyOf(filter.Sort);
        // Where a row stands in the list: the number sort has no date (its cursor carries none either).
        (DateTime, long) At(DateTime date, long id) => key == OrderSortKey.Number ? (DateTime.MinValue, id) : (date, id);
        var read = new PageRead([], []);
        var perName = limit + 1;
        for (var round = 0; round < SearchOfferNameRounds; round++, perName *= 4)
        {
            var items = matches.OfferNames.Count == 0 ? [] : await OfferNameReads.Run(db, ctx, matches.OfferNames, after, key, ascending, perName).ToListAsync(ct);
            // The nearest of the last items of the names that had more: every matching item up to it was read. None: all were.
            (DateTime Date, long Id)? horizon = null;
            foreach (var name in items.GroupBy(i => i.OfferName).Where(g => g.Count() == perName))
            {
                var last = name.Select(i => At(i.Date, i.OrderId)).Aggregate((a, b) => Nearer(a, b, ascending) ? b : a);
                if (horizon is null || Nearer(last, horizon.Value, ascending)) horizon = last;
            }
            bool UpToHorizon((DateTime, long) position) => horizon is null || !Nearer(horizon.Value, position, ascending);
            var candidates = items.Where(i => UpToHorizon(At(i.Date, i.OrderId))).Select(i => i.OrderId).Concat(matches.OwnMatches).Distinct().ToList();
            // Run even without candidates: a term that is a number also finds the order of that number (Matching).
            var page = await PageAmongAsync(db, ctx, filter, after, limit - read.Rows.Count, candidates, onlyStatus, detailed, ct);
            read = read.Then(page.Where(r => UpToHorizon(At(r.Date, r.Id))));
            if (horizon is null || read.Rows.Count > limit) return (read, null);
            after = new OrderCursor(filter.Sort, onlyStatus ?? default, horizon.Value.Date, horizon.Value.Id);
        }
        return (read, after);
    }

    /// <summary>Whether a position (date, number) comes before another in the list's order.</summary>
    private static bool Nearer((DateTime Date, long Id) a, (DateTime Date, long Id) b, bool ascending) =>
        ascending ? a.CompareTo(b) < 0 : a.CompareTo(b) > 0;

    /// <summary>An item of one of the customer's offer names, where its order stands in the list (<see cref="OfferNameItems"/>).</summary>
    internal sealed class OfferNameItem
    {
        public string OfferName { get; init; } = "";
        public DateTime Date { get; init; }
        public long OrderId { get; init; }
    }

    /// <summary>
    /// For each offer name, at most <paramref name="perName"/> of this customer's items of it the caller may see, after the
    /// cursor in the list's order (<paramref name="key"/>: date or number): one statement, a bound per name on
    /// <see cref="OrderItemListKeys.IndexName"/> or, by number, <see cref="OrderItemListKeys.NumberIndexName"/>. PostgreSQL's
    /// (<see cref="OfferNameMatchesOf"/> says why not SQLite's). Run by <see cref="OfferNameReads"/>, compiled.
    /// </summary>
    internal static IQueryable<OfferNameItem> OfferNameItems(AppDbContext db, CustomerContext ctx, IReadOnlyList<string> offerNames,
        OrderCursor? after, OrderSortKey key, bool ascending, int perName)
    {
        var customer = ctx.CustomerId;
        IQueryable<OfferNameItem>? all = null;
        foreach (var name in offerNames)
        {
            var items = db.OrderItems.AsNoTracking().TagWith(OfferNameItemsTag)
                .Where(i => EF.Property<Guid>(i, OrderItemListKeys.CustomerId) == customer && i.OfferName == name)
                .Where(OrderVisibility.VisibleItem(ctx));
            if (after is not null)
            {
                var (d, id) = (after.Date, after.Id);
                // A row value, as After() bounds the orders: an index bound, where the OR form is a filter.
                items = (key, ascending) switch
                {
                    (OrderSortKey.Number, true) => items.Where(i => i.OrderId > id),
                    (OrderSortKey.Number, false) => items.Where(i => i.OrderId < id),
                    (_, true) => items.Where(i => EF.Functions.GreaterThan(ValueTuple.Create(EF.Property<DateTime>(i, OrderItemListKeys.OrderDate), i.OrderId), ValueTuple.Create(d, id))),
                    _ => items.Where(i => EF.Functions.LessThan(ValueTuple.Create(EF.Property<DateTime>(i, OrderItemListKeys.OrderDate), i.OrderId), ValueTuple.Create(d, id))),
                };
            }
            var sorted = (key, ascending) switch
            {
                (OrderSortKey.Number, true) => items.OrderBy(i => i.OrderId),
                (OrderSortKey.Number, false) => items.OrderByDescending(i => i.OrderId),
                (_, true) => items.OrderBy(i => EF.Property<DateTime>(i, OrderItemListKeys.OrderDate)).ThenBy(i => i.OrderId),
                _ => items.OrderByDescending(i => EF.Property<DateTime>(i, OrderItemListKeys.OrderDate)).ThenByDescending(i => i.OrderId),
            };
            // The number sort reads no date, so that its index holds every column the statement reads (see OfferNameItemsTag).
            var page = key == OrderSortKey.Number
                ? sorted.Take(perName).Select(i => new OfferNameItem { OfferName = i.OfferName, OrderId = i.OrderId })
                : sorted.Take(perName).Select(i => new OfferNameItem { OfferName = i.OfferName, Date = EF.Property<DateTime>(i, OrderItemListKeys.OrderDate), OrderId = i.OrderId });
            all = all is null ? page : all.Concat(page);
        }
        return all!;
    }

    /// <summary>
    /// This customer's visible orders among the term's matches on the platform, when there are at most
    /// <see cref="SearchWideCap"/> of those and at most <see cref="SearchIndexCap"/> of these; else null (walk). Narrowed by a
    /// query of its own, unordered: the page query, ordered and limited, would walk the customer's orders newest first
    /// for a few thousand matches of other customers (PostgreSQL expects a fifth of them to be Fabrikam's; 350 ms).
    /// </summary>
    private static async Task<List<long>?> NarrowedMatchesAsync(AppDbContext db, CustomerContext ctx, SearchLookup.Frequent frequent, CancellationToken ct)
    {
        if (await IndexMatchesAsync(db, ctx, frequent.Term, SearchWideCap, frequent.OnItems, frequent.Own, ct) is not { } platform) return null;
        var mine = await db.Orders.AsNoTracking().TagWith(SearchLookupTag).VisibleOrders(ctx, valuesWrittenIn: true)
            .Where(o => platform.Contains(o.Id)).Select(o => o.Id).Take(SearchIndexCap + 1).ToListAsync(ct);
        return mine.OrNullOver(SearchIndexCap);
    }

    /// <summary>The list as read, or null when it holds more than <paramref name="cap"/> (a lookup reads one more than its cap to know).</summary>
    internal static List<T>? OrNullOver<T>(this List<T> read, int cap) => read.Count > cap ? null : read;

    internal const string LikeEscape = @"\";

    /// <summary>"%term%" for (I)LIKE, with the term's own wildcards and the escape character escaped (<see cref="LikeEscape"/>).</summary>
    internal static string LikePattern(string term) =>
        "%" + term.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

    /// <summary>The orders the list's text search finds (an order number is a filter of <see cref="Filtered"/>).</summary>
    private static IQueryable<Order> MatchingText(this IQueryable<Order> query, AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        IReadOnlyCollection<long>? searchMatches) =>
        filter.SearchedText is { } text ? query.Where(Matching(db, ctx, text, searchMatches)) : query;

    /// <summary>The order a searched text finds by its number besides the text ("1234" also finds order 1234), or null.</summary>
    private static long? NumberInText(string q) => long.TryParse(q, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>
    /// The order number <see cref="Matching"/> finds for a searched text besides its matches: the text's own number, or -1,
    /// which no order has. Always a number, so that the page's statement is the same whatever the text is.
    /// </summary>
    internal static long NumberTheTextFinds(string? text) => text is not null && NumberInText(text) is { } n ? n : -1;

    /// <summary>
    /// Whether the indexes have shown that no order the caller may see matches the text: it is found nowhere the caller may
    /// look, and it is no order's number. The page would be empty (<see cref="Matching"/> keeps the matches and the number),
    /// so it is not read: for a term that is frequent elsewhere and absent here, the page's statement, which EF Core
    /// translates for each request, was most of the app's time (docs/performance.md, point 46).
    /// </summary>
    private static bool FindsNoOrder(SearchLookup? search, OrderListFilter filter) =>
        search is SearchLookup.Found { Orders.Count: 0 } && filter.SearchedText is { } text && NumberInText(text) is null;

    /// <summary>
    /// The orders a search term finds: its number, or the term in the order's name, the notes the caller may
    /// see (customer-level users: not the internal note) or a visible item's offer name.
    /// </summary>
    private static Expression<Func<Order, bool>> Matching(AppDbContext db, CustomerContext ctx, string q,
        IReadOnlyCollection<long>? searchMatches)
    {
        var number = NumberTheTextFinds(q);
        if (searchMatches is not null)
            // Inlined, not parameters: a prepared statement's generic plan cannot know how few the matches
            // are (or how rare a pattern), and walked all 200,000 orders of the big customer (43 ms).
            // (On PostgreSQL by ValuesWrittenIn, for which the page is tagged: EF.Constant would have EF Core write its SQL anew
            // for each request. SQLite's planner does not look at values; there they stay as EF Core writes them.)
            return db.IsPostgres ? o => o.Id == number || searchMatches.Contains(o.Id) : o => o.Id == number || EF.Constant(searchMatches).Contains(o.Id);
        // Frequent terms (and those no index can look up): checked order by order while the page walks the customer's
        // newest orders until it is full (FrequentTermRowsAsync bounds the walk).
        var seesInternal = ctx.Actor.SeesInternalNotes;
        Expression<Func<Order, bool>> own;
        if (db.IsPostgres)
        {
            var pattern = LikePattern(q);
            own = o => o.Id == number || EF.Functions.ILike(o.Name, pattern, LikeEscape)
                       || EF.Functions.ILike(o.Note!, pattern, LikeEscape)
                       || (seesInternal && EF.Functions.ILike(o.InternalNote!, pattern, LikeEscape));
        }
        else
        {
            // SQLite, for terms its index cannot look up (shorter than a trigram, or frequent).
            var term = q.ToLower();
            own = o => o.Id == number || o.Name.ToLower().Contains(term)
                       || (o.Note != null && o.Note.ToLower().Contains(term))
                       || (seesInternal && o.InternalNote != null && o.InternalNote.ToLower().Contains(term));
        }
        return own.Or(ItemsMatching(db, ctx, q));
    }

    /// <summary>
    /// An order one of whose items the caller may see (<see cref="OrderVisibility.VisibleItem(CustomerContext)"/>) has the term in
    /// its offer name. Checked on the order's own row (<see cref="OrderOfferNames"/>: its visible items' names, and for a caller
    /// who sees markup its markup changes' too), where the walk reads the order anyway: a probe of its items per order walked cost
    /// ~4 µs of PostgreSQL, ~36 ms for a frequent term past 9,000 newer orders without it (docs/performance.md point 25). A term
    /// holding the names' separator could match across two names there, so it is checked on the items themselves.
    /// </summary>
    private static Expression<Func<Order, bool>> ItemsMatching(AppDbContext db, CustomerContext ctx, string q)
    {
        var seesMarkup = OrderVisibility.SeesMarkup(ctx);
        var visibleItems = db.OrderItems.Where(OrderVisibility.VisibleItem(ctx));
        var onRow = !q.Contains(OrderOfferNames.Separator);
        if (db.IsPostgres)
        {
            var pattern = LikePattern(q);
            if (onRow)
                return seesMarkup
                    ? o => EF.Functions.ILike(o.VisibleOfferNames, pattern, LikeEscape)
                           || EF.Functions.ILike(o.MarkupOfferNames, pattern, LikeEscape)
                    : o => EF.Functions.ILike(o.VisibleOfferNames, pattern, LikeEscape);
            // Written as (SELECT 1 … LIMIT 1) IS NOT NULL, not EXISTS: PostgreSQL may run an EXISTS under OR as a hashed
            // subplan, i.e. first read every matching item of the platform (3.8 s for "microsoft 365" at 1,000,000 orders).
            return o => visibleItems.Where(i => i.OrderId == o.Id && EF.Functions.ILike(i.OfferName, pattern, LikeEscape))
                .Select(i => (int?)1).FirstOrDefault() != null;
        }
        var term = q.ToLower();
        if (onRow)
            return seesMarkup
                ? o => o.VisibleOfferNames.ToLower().Contains(term) || o.MarkupOfferNames.ToLower().Contains(term)
                : o => o.VisibleOfferNames.ToLower().Contains(term);
        return o => visibleItems.Any(i => i.OrderId == o.Id && i.OfferName.ToLower().Contains(term));
    }

    /// <summary>Either condition, as one expression EF Core can translate (the second's parameter made the first's).</summary>
    private static Expression<Func<T, bool>> Or<T>(this Expression<Func<T, bool>> first, Expression<Func<T, bool>> second) =>
        Expression.Lambda<Func<T, bool>>(
            Expression.OrElse(first.Body, ReplacingExpressionVisitor.Replace(second.Parameters[0], first.Parameters[0], second.Body)),
            first.Parameters);
}

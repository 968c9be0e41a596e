using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
// A page of a customer's orders: customer, status filter, the status sort's one status, creator, from, to, the cursor's
// date and number, the searched order number, a text search's matches and the number its text also finds, rows to take.
using Page = System.Func<CloudMarket.Data.AppDbContext, System.Guid, CloudMarket.Features.Orders.OrderStatus,
    CloudMarket.Features.Orders.OrderStatus, System.Guid, System.DateTime, System.DateTime, System.DateTime, long, long, long[], long, int,
    System.Collections.Generic.IAsyncEnumerable<CloudMarket.Features.Orders.OrderQueries.PageItemRow>>;

namespace CloudMarket.Features.Orders;

/// <summary>
/// A list page's query with its items (<see cref="OrderQueries.PageWithItemsQuery"/>) as an EF Core compiled query, one per shape of list: the
/// same expression the request would build, built once per shape with stand-in values and compiled with those values as
/// its parameters. EF Core's work per execution of a query built per request — building the expression, extracting its
/// parameters, hashing it for the query cache — was ~40 % of a list's own time per statement (docs/performance.md,
/// points 13 and 19); a compiled query pays it once. The rules stay where they are: the expression is the one
/// <see cref="OrderQueries"/> builds, with <see cref="OrderVisibility"/>'s rules in it.
/// <para>
/// How the values become parameters: the page is built with a stand-in for each value a request brings (customer,
/// status filter, creator, dates, cursor, number, page size) that no real request has; every place the expression
/// holds one of them becomes the compiled query's parameter. Anything else the expression captured must be decided by
/// the shape (the caller's kind, the view's statuses), and is written in as a constant. A captured value of any other
/// kind — a filter added later without a stand-in — leaves that shape uncompiled, and it runs as a query built per
/// request, as before: never a compiled query that kept one request's value.
/// </para>
/// <para>
/// A text search's page among the orders its indexes matched is compiled too, on PostgreSQL (point 50): its matches and
/// customer are parameters of the compiled query, and the statement is tagged so that <see cref="ValuesWrittenIn"/> writes
/// them into the SQL as it is sent, for PostgreSQL to plan the page for its own few matches (points 2 and 49). SQLite's
/// page keeps its matches as EF Core writes them (<c>EF.Constant</c>), which a compiled query cannot take; there, and for a
/// search that walks the customer's orders checking the term on each (a frequent term), the page is built per request.
/// </para>
/// </summary>
internal static class CompiledPageQuery
{
    /// <summary>What decides a page query's expression, apart from the values that become its parameters.</summary>
    internal readonly record struct Shape(
        bool Npgsql, bool SeesMarkup, bool SeesInternalNotes, OrderView View, HistoricalState State, OrderSort Sort, bool Detailed,
        bool HasStatus, bool HasCreatedBy, bool HasFrom, bool HasTo, bool HasNumber, bool HasOnlyStatus, bool HasMatches);

    private static class StandIn
    {
        public static readonly Guid Customer = new("5a7d1e00-0000-4000-8000-00000000c057");
        public static readonly Guid CreatedBy = new("5a7d1e00-0000-4000-8000-0000000c4ea7");
        public const OrderStatus Status = (OrderStatus)1_000_001;
        public const OrderStatus OnlyStatus = (OrderStatus)1_000_002;
        public static readonly DateTime From = new(1001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        public static readonly DateTime To = new(1002, 2, 2, 0, 0, 0, DateTimeKind.Utc);
        public static readonly DateTime CursorDate = new(1003, 3, 3, 0, 0, 0, DateTimeKind.Utc);
        public const long CursorId = 9_000_000_000_000_000_003;
        public const long Number = 9_000_000_000_000_000_004;
        public const int Take = 1_000_000_005;
        /// <summary>A text search's matches: this very array (compared by reference, as no request's matches are it).</summary>
        public static readonly long[] Matches = [9_000_000_000_000_000_008];
        /// <summary>A searched text that is a number, so that the number it also finds (a term "1234" finds order 1234) is a stand-in too.</summary>
        public const long TextNumber = 9_000_000_000_000_000_009;
    }

    private static readonly PerModel<ConcurrentDictionary<Shape, Page?>> Compiled = new(() => new());

    /// <summary>
    /// The page's rows with their items from the shape's compiled query; null when the list is not one a compiled query
    /// serves (a text search on SQLite, or one without matches that walks the customer's orders), or its shape could not
    /// be compiled.
    /// </summary>
    /// <param name="searchMatches">A text search's matches (<see cref="OrderQueries"/>'s index lookups): the orders the page is among.</param>
    /// <param name="detailed">Whether the items are read with their prices (the detailed view, the export) or as descriptions.</param>
    public static IAsyncEnumerable<OrderQueries.PageItemRow>? TryRun(AppDbContext db, CustomerContext ctx, OrderListFilter filter,
        OrderCursor? after, int limit, OrderStatus? onlyStatus, bool detailed, IReadOnlyCollection<long>? searchMatches = null)
    {
        if (filter.SearchedText is not null && (searchMatches is null || !db.IsPostgres)) return null;
        after ??= FromTheStart(filter);
        var number = filter.SearchedNumber;
        var shape = new Shape(db.IsPostgres, OrderVisibility.SeesMarkup(ctx), ctx.Actor.SeesInternalNotes, filter.View, filter.State,
            filter.Sort, detailed, filter.Status is not null, filter.CreatedBy is not null, filter.From is not null, filter.To is not null,
            number is not null, onlyStatus is not null, HasMatches: filter.SearchedText is not null);
        var page = Compiled.For(db).GetOrAdd(shape, s => Compile(db, ctx, filter, s));
        return page?.Invoke(db, ctx.CustomerId, filter.Status ?? default, onlyStatus ?? default, filter.CreatedBy ?? default,
            filter.From ?? default, filter.To ?? default, after.Date, after.Id, number ?? default, [.. searchMatches ?? []],
            OrderQueries.NumberTheTextFinds(filter.SearchedText), limit + 1);
    }

    /// <summary>
    /// The cursor a first page is read after: one before every order the filter keeps, in the sort's direction. A first
    /// page is then the same statement as the pages after it, and PostgreSQL runs that on its generic plan: a statement
    /// without the cursor's bound was planned anew at every run for a customer with far more orders than the average (whose
    /// own plan looked cheaper than the generic one, made for an average customer and a LIMIT it cannot see), and a page
    /// joined to its items takes 0.3–0.4 ms to plan (docs/performance.md, point 45). The cursor starts at the filter's own
    /// end date where it has one: the index scan starts at the cursor, so one at the end of time would walk every newer
    /// order of the customer to reach a page "up to 2001" (the benchmark's empty page: 5.7 ms of PostgreSQL a request).
    /// </summary>
    internal static OrderCursor FromTheStart(OrderListFilter filter) =>
        OrderQueries.KeyOf(filter.Sort).Ascending
            ? new OrderCursor(filter.Sort, default, filter.From ?? DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), long.MinValue)
            : new OrderCursor(filter.Sort, default, filter.To ?? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc), long.MaxValue);

    /// <summary>The page query a request would build (<c>OrderQueries.PageWithItemsQuery</c>), built from stand-ins and compiled.</summary>
    private static Page? Compile(AppDbContext db, CustomerContext ctx, OrderListFilter filter, Shape shape)
    {
        var standInFilter = filter with
        {
            Status = shape.HasStatus ? StandIn.Status : null,
            CreatedBy = shape.HasCreatedBy ? StandIn.CreatedBy : null,
            From = shape.HasFrom ? StandIn.From : null,
            To = shape.HasTo ? StandIn.To : null,
            Search = shape.HasNumber ? "#" + StandIn.Number : shape.HasMatches ? StandIn.TextNumber.ToString(CultureInfo.InvariantCulture) : null,
        };
        var standInCursor = new OrderCursor(filter.Sort, StandIn.OnlyStatus, StandIn.CursorDate, StandIn.CursorId);
        var query = OrderQueries.PageWithItemsQuery(db, ctx.WithStandInCustomer(StandIn.Customer), standInFilter, standInCursor, StandIn.Take - 1,
            shape.HasOnlyStatus ? StandIn.OnlyStatus : null, shape.Detailed, shape.HasMatches ? StandIn.Matches : null);

        var parameters = new Parameters(OrderLifecycle.StatusesOf(shape.View, shape.State));
        var body = parameters.Replace(query.Expression);
        if (body is null || !parameters.AllUsed(shape)) return null;
        var lambda = Expression.Lambda<Func<AppDbContext, Guid, OrderStatus, OrderStatus, Guid, DateTime, DateTime, DateTime, long, long, long[], long,
            int, IQueryable<OrderQueries.PageItemRow>>>(body, parameters.All);
        return EF.CompileAsyncQuery(lambda);
    }

    /// <summary>
    /// Turns the built expression into a compiled query's body: the query root onto the context parameter, each stand-in
    /// into its parameter, shape-decided captures into constants; null if the expression captured anything else.
    /// </summary>
    /// <param name="viewStatuses">The shape's view's statuses, which its expression writes into the SQL.</param>
    private sealed class Parameters(IReadOnlyList<OrderStatus>? viewStatuses) : StandInReplacer
    {
        private readonly ParameterExpression _customer = Expression.Parameter(typeof(Guid), "customerId");
        private readonly ParameterExpression _status = Expression.Parameter(typeof(OrderStatus), "status");
        private readonly ParameterExpression _onlyStatus = Expression.Parameter(typeof(OrderStatus), "onlyStatus");
        private readonly ParameterExpression _createdBy = Expression.Parameter(typeof(Guid), "createdBy");
        private readonly ParameterExpression _from = Expression.Parameter(typeof(DateTime), "from");
        private readonly ParameterExpression _to = Expression.Parameter(typeof(DateTime), "to");
        private readonly ParameterExpression _cursorDate = Expression.Parameter(typeof(DateTime), "cursorDate");
        private readonly ParameterExpression _cursorId = Expression.Parameter(typeof(long), "cursorId");
        private readonly ParameterExpression _number = Expression.Parameter(typeof(long), "number");
        private readonly ParameterExpression _matches = Expression.Parameter(typeof(long[]), "searchMatches");
        private readonly ParameterExpression _textNumber = Expression.Parameter(typeof(long), "textNumber");
        private readonly ParameterExpression _take = Expression.Parameter(typeof(int), "take");

        public ParameterExpression[] All =>
            [Db, _customer, _status, _onlyStatus, _createdBy, _from, _to, _cursorDate, _cursorId, _number, _matches, _textNumber, _take];

        /// <summary>Every value the shape says the request brings became a parameter (none was folded into something else).</summary>
        public bool AllUsed(Shape shape) =>
            Used(_customer) && Used(_take)
            && Used(_status) == shape.HasStatus && Used(_onlyStatus) == shape.HasOnlyStatus
            && Used(_createdBy) == shape.HasCreatedBy && Used(_from) == shape.HasFrom
            && Used(_to) == shape.HasTo
            && Used(_cursorDate) == (shape.Sort.Key != OrderSortKey.Number)
            && Used(_cursorId) && Used(_number) == shape.HasNumber
            && Used(_matches) == shape.HasMatches && Used(_textNumber) == shape.HasMatches;

        /// <summary>
        /// <c>EF.Constant(captured)</c> (the view's statuses, written into the SQL on purpose): the value itself as the
        /// constant. A compiled query keeps a constant in its SQL as it is; EF.Constant there expects a query parameter.
        /// </summary>
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.DeclaringType == typeof(EF) && node.Method.Name == nameof(EF.Constant)
            && node.Arguments[0] is MemberExpression argument && TryCaptured(argument, out var value)
                ? Captured(value, node.Type) is ConstantExpression constant ? constant : Foreign(node)
                : base.VisitMethodCall(node);

        protected override Expression? StandInFor(object? value) => value switch
        {
            Guid g when g == StandIn.Customer => Use(_customer),
            Guid g when g == StandIn.CreatedBy => Use(_createdBy),
            OrderStatus s when s == StandIn.Status => Use(_status),
            OrderStatus s when s == StandIn.OnlyStatus => Use(_onlyStatus),
            DateTime d when d == StandIn.From => Use(_from),
            DateTime d when d == StandIn.To => Use(_to),
            DateTime d when d == StandIn.CursorDate => Use(_cursorDate),
            long l when l == StandIn.CursorId => Use(_cursorId),
            long l when l == StandIn.Number => Use(_number),
            int n when n == StandIn.Take => Use(_take),
            long l when l == StandIn.TextNumber => Use(_textNumber),
            IReadOnlyCollection<long> m when ReferenceEquals(m, StandIn.Matches) => Use(_matches),
            _ => null,
        };

        /// <summary>The caller's kind (seesInternal…) and the view's statuses: part of the shape.</summary>
        protected override bool DecidedByShape(object? value) =>
            value is bool or OrderStatus || (value is IReadOnlyList<OrderStatus> statuses && ReferenceEquals(statuses, viewStatuses));
    }
}

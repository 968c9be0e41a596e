using System.Collections.Concurrent;
using System.Linq.Expressions;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using OfferNameItem = CloudMarket.Features.Orders.OrderQueries.OfferNameItem;
// A search's read of a customer's items by offer name: customer, the names, the cursor's date and number, items per name.
using Read = System.Func<CloudMarket.Data.AppDbContext, System.Guid, string[], System.DateTime, long, int,
    System.Collections.Generic.IAsyncEnumerable<CloudMarket.Features.Orders.OrderQueries.OfferNameItem>>;

namespace CloudMarket.Features.Orders;

/// <summary>
/// A frequent search term's read of the customer's items by offer name (<see cref="OrderQueries.OfferNameItems"/>) as an EF
/// Core compiled query, one per shape: the number of names, the sort, whether a cursor bounds it, the kind of caller. The
/// read is one <c>UNION ALL</c> of a bounded read per name, so its expression grows with the names, and EF Core walked
/// all of it on every request to find its parameters and its cache entry: for the seller's "microsoft 365" (four names)
/// that walk was most of the 24 % of the app's time the search spent in EF Core before any SQL (docs/performance.md,
/// point 48). Its statement has parameters anyway (point 27 says why they cannot mislead it), so compiling it changes no
/// SQL. Compiled as <see cref="CompiledPageQuery"/> is: the expression the request would build, built once from stand-ins
/// (<see cref="StandInReplacer"/>), so the read is written once.
/// </summary>
internal static class OfferNameReads
{
    /// <summary>What decides the read's expression, apart from the values that become its parameters.</summary>
    internal readonly record struct Shape(int Names, OrderSortKey Key, bool Ascending, bool HasCursor, bool SeesMarkup);

    private static readonly PerModel<ConcurrentDictionary<Shape, Read?>> Compiled = new(() => new());

    /// <summary>The read of these names' items after the cursor, from its shape's compiled query; built for the request if the shape could not be compiled.</summary>
    public static IAsyncEnumerable<OfferNameItem> Run(AppDbContext db, CustomerContext ctx, IReadOnlyList<string> offerNames,
        OrderCursor? after, OrderSortKey key, bool ascending, int perName) =>
        TryCompiled(db, ctx, offerNames.Count, after is not null, key, ascending) is { } read
            ? read(db, ctx.CustomerId, [.. offerNames], after?.Date ?? default, after?.Id ?? default, perName)
            : OrderQueries.OfferNameItems(db, ctx, offerNames, after, key, ascending, perName).AsAsyncEnumerable();

    /// <summary>The shape's compiled query; null if the expression captured a value that is neither a stand-in nor decided by the shape.</summary>
    internal static Read? TryCompiled(AppDbContext db, CustomerContext ctx, int names, bool hasCursor, OrderSortKey key, bool ascending) =>
        Compiled.For(db).GetOrAdd(new Shape(names, key, ascending, hasCursor, OrderVisibility.SeesMarkup(ctx)), shape => Compile(db, ctx, shape));

    private static Read? Compile(AppDbContext db, CustomerContext ctx, Shape shape)
    {
        var parameters = new Parameters(shape.Names);
        var standInCursor = shape.HasCursor ? new OrderCursor(new OrderSort(shape.Key, shape.Ascending), default, Parameters.CursorDate, Parameters.CursorId) : null;
        var query = OrderQueries.OfferNameItems(db, ctx.WithStandInCustomer(Parameters.Customer), parameters.Names, standInCursor, shape.Key, shape.Ascending,
            Parameters.PerName);
        var body = parameters.Replace(query.Expression);
        if (body is null || !parameters.AllUsed(shape)) return null;
        return EF.CompileAsyncQuery(Expression.Lambda<Func<AppDbContext, Guid, string[], DateTime, long, int, IQueryable<OfferNameItem>>>(body, parameters.All));
    }

    /// <summary>The stand-ins of a read's values, and the compiled query's parameters they become.</summary>
    private sealed class Parameters(int names) : StandInReplacer
    {
        public static readonly Guid Customer = new("5a7d1e00-0000-4000-8000-0000000fe1d5");
        public static readonly DateTime CursorDate = new(1004, 4, 4, 0, 0, 0, DateTimeKind.Utc);
        public const long CursorId = 9_000_000_000_000_000_006;
        public const int PerName = 1_000_000_007;

        /// <summary>One stand-in per name, each the index of its name in the compiled query's array of names.</summary>
        public string[] Names { get; } = [.. Enumerable.Range(0, names).Select(n => $"\u0001stand-in offer name {n}")];

        private readonly ParameterExpression _customer = Expression.Parameter(typeof(Guid), "customerId");
        private readonly ParameterExpression _names = Expression.Parameter(typeof(string[]), "offerNames");
        private readonly ParameterExpression _cursorDate = Expression.Parameter(typeof(DateTime), "cursorDate");
        private readonly ParameterExpression _cursorId = Expression.Parameter(typeof(long), "cursorId");
        private readonly ParameterExpression _perName = Expression.Parameter(typeof(int), "perName");

        public ParameterExpression[] All => [Db, _customer, _names, _cursorDate, _cursorId, _perName];

        /// <summary>Every value the shape says the request brings became a parameter (none was folded into something else).</summary>
        public bool AllUsed(Shape shape) =>
            Used(_customer) && Used(_perName) && Names.All(Used)
            && Used(_cursorId) == shape.HasCursor
            && Used(_cursorDate) == (shape.HasCursor && shape.Key != OrderSortKey.Number);

        protected override Expression? StandInFor(object? value) => value switch
        {
            Guid g when g == Customer => Use(_customer),
            DateTime d when d == CursorDate => Use(_cursorDate),
            long l when l == CursorId => Use(_cursorId),
            int n when n == PerName => Use(_perName),
            string s when Array.IndexOf(Names, s) is var at and >= 0 => Use(Names[at], Expression.ArrayIndex(_names, Expression.Constant(at))),
            _ => null,
        };

        /// <summary>Nothing: the read's shape is decided by which expression is built, not by values written in.</summary>
        protected override bool DecidedByShape(object? value) => false;
    }
}

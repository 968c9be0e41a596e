using System.Collections.Concurrent;
using System.Linq.Expressions;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using NameOrOrder = CloudMarket.Features.Orders.OrderQueries.NameOrOrder;
// A search's first statement: the customer, the term's LIKE pattern.
using Read = System.Func<CloudMarket.Data.AppDbContext, System.Guid, string,
    System.Collections.Generic.IAsyncEnumerable<CloudMarket.Features.Orders.OrderQueries.NameOrOrder>>;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The statement every search on PostgreSQL runs first (<see cref="OrderQueries.NamesAndOwnMatchesQuery"/>: the customer's
/// offer names holding the term, and the orders whose name or visible note holds it) as an EF Core compiled query, one per
/// kind of caller: EF Core no longer walks and hashes its expression on every search (docs/performance.md, point 50). Its
/// values stay written into the SQL as it is sent (<see cref="ValuesWrittenIn"/>): PostgreSQL plans each term's lookup for
/// that term. Compiled as <see cref="OfferNameReads"/> is, from the expression a request would build with stand-ins
/// (<see cref="StandInReplacer"/>), so the statement is written once.
/// </summary>
internal static class SearchLookupReads
{
    /// <summary>What decides the statement's expression: which orders and notes the caller may see.</summary>
    internal readonly record struct Shape(bool SeesMarkup, bool SeesInternalNotes);

    private static readonly PerModel<ConcurrentDictionary<Shape, Read?>> Compiled = new(() => new());

    /// <summary>The statement's rows, from the caller's kind's compiled query; built for the request if it could not be compiled.</summary>
    public static IAsyncEnumerable<NameOrOrder> NamesAndOwnMatches(AppDbContext db, CustomerContext ctx, string term) =>
        TryCompiled(db, ctx) is { } read
            ? read(db, ctx.CustomerId, OrderQueries.LikePattern(term))
            : OrderQueries.NamesAndOwnMatchesQuery(db, ctx, term).AsAsyncEnumerable();

    /// <summary>The caller's kind's compiled query; null if the expression captured a value that is neither a stand-in nor decided by the kind.</summary>
    internal static Read? TryCompiled(AppDbContext db, CustomerContext ctx) =>
        Compiled.For(db).GetOrAdd(new Shape(OrderVisibility.SeesMarkup(ctx), ctx.Actor.SeesInternalNotes), _ => Compile(db, ctx));

    private static Read? Compile(AppDbContext db, CustomerContext ctx)
    {
        var parameters = new Parameters();
        var query = OrderQueries.NamesAndOwnMatchesQuery(db, ctx.WithStandInCustomer(Parameters.Customer), Parameters.Term);
        var body = parameters.Replace(query.Expression);
        if (body is null || !parameters.AllUsed) return null;
        return EF.CompileAsyncQuery(Expression.Lambda<Func<AppDbContext, Guid, string, IQueryable<NameOrOrder>>>(body, parameters.All));
    }

    /// <summary>The stand-ins of the statement's values, and the compiled query's parameters they become.</summary>
    private sealed class Parameters : StandInReplacer
    {
        public static readonly Guid Customer = new("5a7d1e00-0000-4000-8000-00000000100c");
        public const string Term = "\u0001stand-in term";

        /// <summary>The term's pattern (<see cref="OrderQueries.LikePattern"/>), which the statement holds rather than the term.</summary>
        private static readonly string Pattern = OrderQueries.LikePattern(Term);

        private readonly ParameterExpression _customer = Expression.Parameter(typeof(Guid), "customerId");
        private readonly ParameterExpression _pattern = Expression.Parameter(typeof(string), "pattern");

        public ParameterExpression[] All => [Db, _customer, _pattern];

        /// <summary>Both values became parameters (none was folded into something else).</summary>
        public bool AllUsed => Used(_customer) && Used(_pattern);

        protected override Expression? StandInFor(object? value) => value switch
        {
            Guid g when g == Customer => Use(_customer),
            string s when s == Pattern => Use(_pattern),
            _ => null,
        };

        /// <summary>Nothing: the caller's kind decides which expression is built, not values written in.</summary>
        protected override bool DecidedByShape(object? value) => false;
    }
}

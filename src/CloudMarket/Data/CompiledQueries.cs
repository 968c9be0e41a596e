using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;

namespace CloudMarket.Data;

/// <summary>
/// Builds a query expression from a template that calls a rule's placeholder method, with the rule's own expression
/// written in where the placeholder was. A compiled query (<c>EF.CompileAsyncQuery</c>) is one expression whose only
/// inputs are its parameters, so it cannot call a method that builds a query; this lets it contain a rule that is
/// kept, and used elsewhere, as an expression of its own (one place per rule).
/// </summary>
internal static class Splice
{
    public static Expression<T> Rule<T>(Expression<T> template, MethodInfo placeholder, LambdaExpression rule) =>
        (Expression<T>)new Splicer(placeholder, rule).Visit(template);

    /// <summary>Thrown by a placeholder that was called rather than spliced.</summary>
    public static InvalidOperationException NotSpliced() => new("A rule placeholder is only for Splice.Rule.");

    private sealed class Splicer(MethodInfo placeholder, LambdaExpression rule) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method == placeholder
                ? ReplacingExpressionVisitor.Replace(rule.Parameters.ToArray<Expression>(), node.Arguments.Select(Visit).ToArray()!, rule.Body)
                : base.VisitMethodCall(node);
    }
}

/// <summary>
/// A compiled query (<c>EF.CompileAsyncQuery</c>) per model. EF Core compiles such a query once, with the services
/// of the first context it runs on (its provider, type mappings, SQL generator), and reuses that for every later
/// context. Contexts of different configurations each need their own: the SQLite and PostgreSQL contexts (one
/// process may hold both, as the tests do), and the read replica's PostgreSQL context, whose options (its own logger
/// factory) give it its own EF Core services: run on the primary's compiled query it failed. A model is built once
/// per context type and configuration, so it tells them apart; the table holds it weakly, so a configuration that
/// goes away (a test's host) takes its compiled query with it.
/// </summary>
internal sealed class PerModel<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = new();
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback _create = _ => compile();

    public TQuery For(AppDbContext db) => _byModel.GetValue(db.Model, _create);
}

/// <summary>
/// Turns a query expression built from stand-in values into a compiled query's body (<c>EF.CompileAsyncQuery</c>): the
/// same expression a request builds, built once with a stand-in for each value a request brings, so that the query is
/// written once, by the code that also runs it uncompiled. Every place the expression holds a stand-in, as a constant or
/// a captured value, becomes the expression the subclass gives for it (a parameter of the compiled query); the query's
/// roots become the context parameter's sets; other captured values stay as constants where the subclass says the shape
/// decides them. Any other captured value makes <see cref="Replace"/> return null: the caller then runs the query
/// uncompiled, never as a compiled query that kept one request's value.
/// </summary>
internal abstract class StandInReplacer : ExpressionVisitor
{
    /// <summary>The compiled query's first parameter: the context it runs on.</summary>
    protected ParameterExpression Db { get; } = Expression.Parameter(typeof(AppDbContext), "db");

    private bool _foreign;
    private readonly HashSet<object> _used = [];

    /// <summary>The expression with its stand-ins replaced; null if it captured a value that is neither a stand-in nor decided by the shape.</summary>
    public Expression? Replace(Expression expression)
    {
        var body = Visit(expression);
        return _foreign ? null : body;
    }

    /// <summary>What replaces a stand-in value; null for any other value.</summary>
    protected abstract Expression? StandInFor(object? value);

    /// <summary>Whether a captured value that is not a stand-in is one the query's shape decides, and may be written in as a constant.</summary>
    protected abstract bool DecidedByShape(object? value);

    protected override Expression VisitExtension(Expression node) => node switch
    {
        EntityQueryRootExpression { EntityType.ClrType: var type } => Expression.Call(Db, SetOf.MakeGenericMethod(type)),
        _ => base.VisitExtension(node),
    };

    /// <summary><c>DbContext.Set&lt;T&gt;()</c>: a query root on the compiled query's context, whatever the entity.</summary>
    private static readonly MethodInfo SetOf = typeof(Microsoft.EntityFrameworkCore.DbContext).GetMethod(
        nameof(Microsoft.EntityFrameworkCore.DbContext.Set), Type.EmptyTypes)!;

    protected override Expression VisitMember(MemberExpression node) =>
        TryCaptured(node, out var value) ? Captured(value, node.Type) : base.VisitMember(node);

    /// <summary>A constant as written (a LINQ operator's argument, as Take's count, is one): a stand-in's replacement, or itself.</summary>
    protected override Expression VisitConstant(ConstantExpression node) =>
        StandInFor(node.Value) is { } replacement ? As(replacement, node.Type)
        : node.Value is null || node.Type.IsPrimitive || node.Type.IsEnum || node.Type == typeof(string) ? node
        : Foreign(node);

    /// <summary>A captured value: a stand-in's replacement, or a constant the shape decides.</summary>
    protected Expression Captured(object? value, Type type) =>
        StandInFor(value) is { } replacement ? As(replacement, type)
        : DecidedByShape(value) ? Expression.Constant(value, type)
        : Foreign(Expression.Constant(value, type));

    /// <summary>A replacement as the type of the value it stands in for (an array parameter for a captured collection).</summary>
    private static Expression As(Expression replacement, Type type) => replacement.Type == type ? replacement : Expression.Convert(replacement, type);

    /// <summary>A stand-in met in the expression: recorded (<see cref="Used"/>), and its replacement answered.</summary>
    protected Expression Use(object standIn, Expression replacement)
    {
        _used.Add(standIn);
        return replacement;
    }

    /// <summary>A stand-in met in the expression, replaced by the parameter it is keyed by.</summary>
    protected ParameterExpression Use(ParameterExpression parameter) => (ParameterExpression)Use(parameter, parameter);

    /// <summary>
    /// Whether the expression held that stand-in (keyed by its parameter or its value). A subclass checks that every value its
    /// shape says a request brings was met: one folded into something else would leave a compiled query that kept it.
    /// </summary>
    protected bool Used(object standIn) => _used.Contains(standIn);

    /// <summary>Marks the expression as holding a value that is neither a stand-in nor decided by the shape.</summary>
    protected Expression Foreign(Expression node)
    {
        _foreign = true;
        return node;
    }

    /// <summary>A member chain ending in a constant (a closure's field, a captured object's property): its value now.</summary>
    protected static bool TryCaptured(MemberExpression node, out object? value)
    {
        value = null;
        object? target;
        switch (node.Expression)
        {
            case ConstantExpression c:
                target = c.Value;
                break;
            case MemberExpression inner when TryCaptured(inner, out var innerValue):
                target = innerValue;
                break;
            default:
                return false;
        }
        value = node.Member switch
        {
            FieldInfo f => f.GetValue(target),
            PropertyInfo p => p.GetValue(target),
            _ => null,
        };
        return node.Member is FieldInfo or PropertyInfo;
    }
}

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

using System.Linq.Expressions;
using System.Reflection;
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
/// A compiled query (<c>EF.CompileAsyncQuery</c>) per concrete context type. EF Core compiles such a query once, for
/// the model and provider of the first context it runs on, and reuses that SQL for every later context; the SQLite
/// and PostgreSQL contexts (one process may hold both, as the tests do) each need their own.
/// </summary>
internal sealed class PerContextType<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, TQuery> _byType = new();

    public TQuery For(AppDbContext db) => _byType.GetOrAdd(db.GetType(), static (_, compile) => compile(), compile);
}

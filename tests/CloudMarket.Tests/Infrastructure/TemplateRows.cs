using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>Many rows for a plan test in one statement: copies of one row of a table, on either database.</summary>
public static class TemplateRows
{
    /// <summary>
    /// <paramref name="count"/> copies of the row of <paramref name="entity"/> whose <paramref name="key"/> column is
    /// <paramref name="templateKey"/> (an SQL literal); each column the template's unless <paramref name="value"/> gives an
    /// SQL expression for it, in which <c>g.n</c> numbers the copy (1 to <paramref name="count"/>). Every value is the
    /// test's own (column names from the model, numbers): nothing to inject.
    /// </summary>
    public static Task CopyAsync(AppDbContext db, Type entity, string key, string templateKey, int count, Func<string, string?> value)
    {
        var type = db.Model.FindEntityType(entity)!;
        var table = type.GetTableName();
        var columns = type.GetProperties().Select(p => p.GetColumnName()).ToList();
        var insert = $"""
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count})
            INSERT INTO "{table}" ({string.Join(", ", columns.Select(c => $"\"{c}\""))})
            SELECT {string.Join(", ", columns.Select(c => value(c) ?? $"t.\"{c}\""))} FROM g, "{table}" t WHERE t."{key}" = {templateKey}
            """;
        return db.Database.ExecuteSqlRawAsync(insert);
    }
}

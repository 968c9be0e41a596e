using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace CloudMarket.Data;

/// <summary>
/// New rows of one table saved together with the context's other changes, all or nothing. EF Core writes one
/// <c>INSERT</c> per row; the integration queues add thousands a second (each webhook event's deliveries, each
/// delivery's attempt), and on PostgreSQL each of those statements is planned, executed and counted on its own.
/// There the rows go in with one statement, <c>INSERT … SELECT FROM unnest(one array per column)</c>, built from the
/// entity's own mapping (its columns, store types and value converters), so a column added to the entity is written
/// with no change here (docs/performance.md, point 31). On SQLite (one writer, in process) EF Core's statements stay.
/// </summary>
public static class BulkInsert
{
    private static readonly ConcurrentDictionary<IEntityType, Table> Tables = new();

    /// <summary>
    /// Saves the context's changes and inserts <paramref name="rows"/> in one transaction. The rows are not tracked
    /// afterwards and their generated keys are not read back: for rows the caller hands over and forgets.
    /// </summary>
    public static async Task SaveChangesWithAsync<T>(this AppDbContext db, IReadOnlyList<T> rows, CancellationToken ct) where T : class
    {
        if (rows.Count == 0 || !db.IsPostgres)
        {
            db.Set<T>().AddRange(rows);
            await db.SaveChangesAsync(ct);
            return;
        }
        var table = Tables.GetOrAdd(db.Model.FindEntityType(typeof(T))
            ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity of the model."), Table.Of);
        var insert = table.InsertSql;
        var arrays = table.Arrays(rows);
        if (!db.ChangeTracker.HasChanges())
        {
            await db.Database.ExecuteSqlRawAsync(insert, arrays, ct);
            return;
        }
        await db.SaveChangesAfterAsync(t => db.Database.ExecuteSqlRawAsync(insert, arrays, t), ct);
    }

    /// <summary>A table's insert from arrays, and how a row's values become those arrays.</summary>
    private sealed class Table(string insertSql, IReadOnlyList<Column> columns)
    {
        public string InsertSql { get; } = insertSql;

        public static Table Of(IEntityType entity)
        {
            if (entity.GetComplexProperties().Any() || entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned()))
                throw new NotSupportedException($"{entity.DisplayName()}: only a table of plain columns is inserted from arrays.");
            var name = entity.GetTableName()!;
            var schema = entity.GetSchema();
            var table = StoreObjectIdentifier.Table(name, schema);
            // Every column but a key the database generates (identity).
            var columns = entity.GetProperties()
                .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd))
                .Select(p => new Column(p, p.GetColumnName(table)!, p.GetColumnType()))
                .ToList();
            var quoted = schema is null ? Quote(name) : $"{Quote(schema)}.{Quote(name)}";
            var sql = $"INSERT INTO {quoted} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) " +
                      $"SELECT * FROM unnest({string.Join(", ", columns.Select((c, i) => $"@p{i}::{c.StoreType}[]"))})";
            return new Table(sql, columns);
        }

        public NpgsqlParameter[] Arrays<T>(IReadOnlyList<T> rows) where T : class =>
            columns.Select((c, i) => new NpgsqlParameter($"p{i}", c.Array(rows))).ToArray();

        private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"")}\"";
    }

    /// <summary>One column: its name, its store type, and its values as the provider writes them (converted, e.g. an enum's name).</summary>
    private sealed class Column(IProperty property, string name, string storeType)
    {
        private readonly IClrPropertyGetter _getter = property.GetGetter();
        private readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? _converter =
            property.GetRelationalTypeMapping().Converter;

        /// <summary>The array's element type: the provider's type (nullable where the column is).</summary>
        private readonly Type _elementType = ElementType(property);

        public string Name { get; } = name;
        public string StoreType { get; } = storeType;

        /// <summary>The column's values for these rows, as the provider writes them.</summary>
        public Array Array<T>(IReadOnlyList<T> rows) where T : class
        {
            var values = System.Array.CreateInstance(_elementType, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                var value = _getter.GetClrValueUsingContainingEntity(rows[i]);
                values.SetValue(value is null || _converter is null ? value : _converter.ConvertToProvider(value), i);
            }
            return values;
        }

        private static Type ElementType(IProperty property)
        {
            var type = property.GetRelationalTypeMapping().Converter?.ProviderClrType ?? property.ClrType;
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null && property.IsNullable
                ? typeof(Nullable<>).MakeGenericType(type)
                : type;
        }
    }
}

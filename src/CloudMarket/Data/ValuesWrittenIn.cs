using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Data;

/// <summary>
/// Statements that reach PostgreSQL with their values written into the SQL, not as parameters: those whose best plan depends
/// on the values (a search's term, its matches, a customer of 200,000 orders among customers of a few hundred), which a
/// prepared statement's generic plan would not know (docs/performance.md points 2, 23 and 49). Such a query is tagged
/// (<see cref="WithValuesWrittenIn{T}"/>) and written with ordinary captured values; EF Core then keeps its SQL, with
/// parameters, in its cache like any other query's, and <see cref="Interceptor"/> writes the values in as literals just
/// before the command is sent. Until point 49 those values were written in by EF Core itself (<c>EF.Constant</c>), which
/// makes it generate the statement's SQL anew at every execution: a tenth of a search's CPU in the app.
/// On SQLite the tag is only a comment: its planner does not look at values, and the parameters stay.
/// </summary>
public static class ValuesWrittenIn
{
    /// <summary>The tag (an SQL comment at the statement's head) that asks for the values to be written in.</summary>
    public const string Tag = "values written in";

    /// <summary>Sends the query's values written into its SQL, on PostgreSQL.</summary>
    public static IQueryable<T> WithValuesWrittenIn<T>(this IQueryable<T> query) => query.TagWith(Tag);

    /// <summary>The interceptor that writes them in: on every PostgreSQL context of the app (<see cref="UseAppNpgsql"/>).</summary>
    public static readonly DbCommandInterceptor Interceptor = new Writer();

    /// <summary>PostgreSQL as the app's contexts use it: Npgsql, with the statements' values written in where they ask for it.</summary>
    public static DbContextOptionsBuilder<T> UseAppNpgsql<T>(this DbContextOptionsBuilder<T> options, string connectionString) where T : DbContext =>
        options.UseNpgsql(connectionString).AddInterceptors(Interceptor);

    /// <inheritdoc cref="UseAppNpgsql{T}(DbContextOptionsBuilder{T}, string)"/>
    public static DbContextOptionsBuilder UseAppNpgsql(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).AddInterceptors(Interceptor);

    /// <summary>
    /// The command's SQL with the values of its parameters written in as literals where it is tagged, and those parameters
    /// removed; any other command as it was. A value of a type <see cref="TryWriteLiteral"/> does not know stays a parameter.
    /// </summary>
    internal static void WriteIn(DbCommand command)
    {
        var sql = command.CommandText;
        if (command.Parameters.Count == 0 || !IsTagged(sql)) return;
        var literals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DbParameter parameter in command.Parameters)
            if (TryWriteLiteral(parameter.Value, out var literal))
                literals[parameter.ParameterName.TrimStart('@')] = literal;
        if (literals.Count == 0) return;
        command.CommandText = Substituted(sql, literals);
        for (var i = command.Parameters.Count - 1; i >= 0; i--)
            if (literals.ContainsKey(command.Parameters[i].ParameterName.TrimStart('@')))
                command.Parameters.RemoveAt(i);
    }

    /// <summary>Whether one of the comment lines EF Core writes a query's tags as, at the statement's head, is <see cref="Tag"/>.</summary>
    private static bool IsTagged(string sql)
    {
        var rest = sql.AsSpan();
        while (rest.StartsWith("-- "))
        {
            var end = rest.IndexOf('\n');
            var line = (end < 0 ? rest : rest[..end]).TrimEnd('\r');
            if (line[3..].SequenceEqual(Tag)) return true;
            if (end < 0) break;
            rest = rest[(end + 1)..];
        }
        return false;
    }

    /// <summary>
    /// The SQL with each <c>@name</c> placeholder of a written value replaced by its literal. Placeholders are found as
    /// Npgsql finds them: outside string literals, quoted identifiers and comments (an operator such as <c>@&gt;</c> has
    /// no name after it, and a name that is no parameter's is left alone).
    /// </summary>
    private static string Substituted(string sql, Dictionary<string, string> literals)
    {
        var result = new StringBuilder(sql.Length + 64);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            int end;
            if (c == '\'')
                end = EndOfQuoted(sql, i, '\'', backslashEscapes: i > 0 && sql[i - 1] is 'E' or 'e' && (i < 2 || !IsNamePart(sql[i - 2])));
            else if (c == '"')
                end = EndOfQuoted(sql, i, '"', backslashEscapes: false);
            else if (c == '-' && next == '-')
                end = sql.IndexOf('\n', i) is var eol and >= 0 ? eol : sql.Length;
            else if (c == '/' && next == '*')
                end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal) is var close and >= 0 ? close + 2 : sql.Length;
            else if (c == '@' && IsNamePart(next) && (i == 0 || !IsNamePart(sql[i - 1])))
            {
                end = i + 1;
                while (end < sql.Length && IsNamePart(sql[end])) end++;
                if (literals.TryGetValue(sql[(i + 1)..end], out var literal))
                {
                    result.Append(literal);
                    i = end;
                    continue;
                }
            }
            else
                end = i + 1;
            result.Append(sql, i, end - i);
            i = end;
        }
        return result.ToString();
    }

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Where a quoted literal or identifier that opens at <paramref name="start"/> ends (a doubled quote is part of it).</summary>
    private static int EndOfQuoted(string sql, int start, char quote, bool backslashEscapes)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\') i += 2;
            else if (sql[i] != quote) i++;
            else if (i + 1 < sql.Length && sql[i + 1] == quote) i += 2;
            else return i + 1;
        }
        return sql.Length;
    }

    /// <summary>
    /// A value as a PostgreSQL literal of the type Npgsql would have sent it as: text, uuid, the integers, boolean, a UTC
    /// timestamp (timestamptz), and arrays of those but timestamps. Strings are written as escape strings (<c>E'…'</c>, backslash and quote
    /// doubled), which read the same whatever <c>standard_conforming_strings</c> says. Null and any other type: not written.
    /// </summary>
    internal static bool TryWriteLiteral(object? value, out string literal)
    {
        literal = "";
        switch (value)
        {
            case null or DBNull:
                return false;
            case IEnumerable items and not string:
                var elementType = value.GetType().GetInterfaces().FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                    ?.GetGenericArguments()[0];
                if (elementType is null || SqlType(elementType) is not { } arrayOf) return false;
                var written = new List<string>();
                foreach (var item in items)
                {
                    if (item is null) written.Add("NULL");
                    else if (TryWriteScalar(item, out var element)) written.Add(element);
                    else return false;
                }
                literal = (written.Count == 0 ? "'{}'" : "ARRAY[" + string.Join(",", written) + "]") + "::" + arrayOf + "[]";
                return true;
            default:
                return TryWriteScalar(value, out literal);
        }
    }

    private static bool TryWriteScalar(object value, out string literal)
    {
        literal = value switch
        {
            string s when !s.Contains('\0') => "E'" + s.Replace(@"\", @"\\").Replace("'", "''") + "'::text",
            Guid g => "'" + g.ToString("D") + "'::uuid",
            long l => Number(l) + "::bigint",
            int n => Number(n) + "::integer",
            short n => Number(n) + "::smallint",
            bool b => b ? "true" : "false",
            // As Npgsql sends them: the ends of DateTime are PostgreSQL's infinities.
            DateTime { Kind: DateTimeKind.Utc } d when d == DateTime.MinValue => "'-infinity'::timestamptz",
            DateTime { Kind: DateTimeKind.Utc } d when d == DateTime.MaxValue => "'infinity'::timestamptz",
            DateTime { Kind: DateTimeKind.Utc } d => "'" + d.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00'::timestamptz",
            _ => "",
        };
        return literal.Length > 0;
    }

    /// <summary>
    /// An integer as SQL: a negative one in parentheses, since a cast binds tighter than the minus (<c>-1::bigint</c> is
    /// <c>-(1::bigint)</c>, and <c>-9223372036854775808::bigint</c> would overflow before it is negated).
    /// </summary>
    private static string Number(long n) => n < 0 ? "(" + n.ToString(CultureInfo.InvariantCulture) + ")" : n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The PostgreSQL type <see cref="TryWriteScalar"/> writes a value of this type as; null for one it does not write.</summary>
    private static string? SqlType(Type type) =>
        type == typeof(string) ? "text" : type == typeof(Guid) ? "uuid" : type == typeof(long) ? "bigint" : type == typeof(int) ? "integer"
        : type == typeof(short) ? "smallint" : type == typeof(bool) ? "boolean" : null;

    /// <summary>On the readers only: every tagged statement is a LINQ query, which EF Core runs as a reader.</summary>
    private sealed class Writer : DbCommandInterceptor
    {
        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            WriteIn(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            WriteIn(command);
            return ValueTask.FromResult(result);
        }
    }
}

using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Npgsql;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// <see cref="ValuesWrittenIn"/>: a tagged statement's parameters become literals in its SQL, exactly where Npgsql would have
/// bound them and nowhere else, and each literal reads back in PostgreSQL as the very value the parameter held, however
/// hostile (quotes, backslashes, comment and placeholder look-alikes): values from a search box end up in SQL text here.
/// </summary>
public sealed class ValuesWrittenInTests
{
    private const string Tagged = "-- search: index lookup\n-- " + ValuesWrittenIn.Tag + "\n\n";

    private static NpgsqlCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    [Fact]
    public void ATaggedStatement_HasItsPlaceholdersReplaced_AndNothingElse()
    {
        var command = Command(Tagged + """
            SELECT '@p', "@p", E'it\'s @p', @p, @p1, x @> y, '\' -- @p1 not here
            /* nor @p here */ FROM t WHERE a = @p1 AND b = @other
            """, ("p", 7L), ("p1", "o'k\\"));

        ValuesWrittenIn.WriteIn(command);

        Assert.Equal(Tagged + """
            SELECT '@p', "@p", E'it\'s @p', 7::bigint, E'o''k\\'::text, x @> y, '\' -- @p1 not here
            /* nor @p here */ FROM t WHERE a = E'o''k\\'::text AND b = @other
            """, command.CommandText);
        Assert.Empty(command.Parameters);
    }

    [Fact]
    public void AnUntaggedStatement_IsLeftAsItWas()
    {
        const string Sql = "-- search: index lookup\n\nSELECT @p";
        var command = Command(Sql, ("p", 7L));

        ValuesWrittenIn.WriteIn(command);

        Assert.Equal(Sql, command.CommandText);
        Assert.Single(command.Parameters);
    }

    [Fact]
    public void AValueItCannotWrite_StaysAParameter()
    {
        var command = Command(Tagged + "SELECT @amount, @name, @n", ("amount", 1.5m), ("name", "nul\0inside"), ("n", 3));

        ValuesWrittenIn.WriteIn(command);

        Assert.Equal(Tagged + "SELECT @amount, @name, 3::integer", command.CommandText);
        Assert.Equal(["amount", "name"], command.Parameters.Select(p => p.ParameterName));
    }

    [Theory]
    [InlineData(-1L, "(-1)::bigint")]
    [InlineData(long.MinValue, "(-9223372036854775808)::bigint")]
    [InlineData(1001, "1001::integer")]
    [InlineData(true, "true")]
    [InlineData("50% off_\\", @"E'50% off_\\'::text")]
    public void Literals_AreWrittenAsPostgreSQLReadsThem(object value, string expected)
    {
        Assert.True(ValuesWrittenIn.TryWriteLiteral(value, out var literal));
        Assert.Equal(expected, literal);
    }

    [Fact]
    public void Collections_AreWrittenAsArrays()
    {
        Assert.True(ValuesWrittenIn.TryWriteLiteral(new List<long> { 3, -4 }, out var ids));
        Assert.Equal("ARRAY[3::bigint,(-4)::bigint]::bigint[]", ids);
        Assert.True(ValuesWrittenIn.TryWriteLiteral(Array.Empty<string>(), out var none));
        Assert.Equal("'{}'::text[]", none);
        Assert.False(ValuesWrittenIn.TryWriteLiteral(new[] { 1.5m }, out _));
    }

    /// <summary>Each value, written in, is what PostgreSQL reads: the literal is the parameter's exact equivalent.</summary>
    [Fact]
    public async Task EveryLiteral_ReadsBackInPostgreSQL_AsTheValueItWrites()
    {
        var hostile = new[]
        {
            "'; DROP TABLE \"Orders\"; --", @"\'; SELECT 1; --", "E'\\x27'", "$$ $q$ /* */ -- @p", "unicode: zażółć 漢字 🚀", "", "''", @"\\",
        };
        var values = new (string Name, object Value)[]
        {
            ("g", Guid.NewGuid()), ("l", long.MinValue), ("n", -17), ("s", (short)5), ("b", false),
            ("d", new DateTime(2026, 12, 7, 13, 45, 12, 345, DateTimeKind.Utc).AddTicks(6780)),
            ("dmin", DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)), ("dmax", DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)),
            ("ids", new List<long> { 1, -2, long.MaxValue }), ("guids", new[] { Guid.NewGuid() }), ("texts", hostile),
        };
        var all = values.Concat(hostile.Select((text, i) => (Name: $"h{i}", Value: (object)text))).ToArray();
        await using var source = NpgsqlDataSource.Create(PostgresFactory.ServerConnectionString);
        await using var connection = await source.OpenConnectionAsync();
        await using var command = Command(Tagged + "SELECT " + string.Join(", ", all.Select(v => "@" + v.Name)), all);
        command.Connection = connection;

        ValuesWrittenIn.WriteIn(command);
        Assert.Empty(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        for (var i = 0; i < all.Length; i++)
        {
            var read = reader.GetValue(i);
            switch (all[i].Value)
            {
                case DateTime d when d == DateTime.MinValue || d == DateTime.MaxValue:
                    Assert.Equal(d, read); // Npgsql reads the infinities back as DateTime's ends.
                    break;
                case DateTime d:
                    Assert.Equal(d.AddTicks(-(d.Ticks % 10)), read); // PostgreSQL keeps microseconds.
                    break;
                case List<long> list:
                    Assert.Equal(list, (long[])read);
                    break;
                default:
                    Assert.Equal(all[i].Value, read);
                    break;
            }
        }
    }
}

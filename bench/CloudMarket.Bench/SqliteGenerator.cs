namespace CloudMarket.Bench;

public static class SqliteGenerator
{
    public static Task<double> GenerateAsync(string file, int orders) => throw new NotSupportedException("SQLite generation comes next.");
}

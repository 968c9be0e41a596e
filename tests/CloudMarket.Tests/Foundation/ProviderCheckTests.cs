using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// <see cref="AppDbContext.IsPostgres"/> and <see cref="AppDbContext.IsSqlite"/> answer from the context's own type
/// (docs/performance.md, point 39); they must say what EF Core's own provider checks say for each context.
/// </summary>
public sealed class ProviderCheckTests
{
    [Fact]
    public void ThePostgresContext_IsPostgres_AsEfCoreSays()
    {
        using var db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=127.0.0.1;Database=none").Options);
        Assert.True(db.IsPostgres);
        Assert.False(db.IsSqlite);
        Assert.Equal(db.Database.IsNpgsql(), db.IsPostgres);
        Assert.Equal(db.Database.IsSqlite(), db.IsSqlite);
    }

    [Fact]
    public void TheSqliteContext_IsSqlite_AsEfCoreSays()
    {
        using var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.True(db.IsSqlite);
        Assert.False(db.IsPostgres);
        Assert.Equal(db.Database.IsNpgsql(), db.IsPostgres);
        Assert.Equal(db.Database.IsSqlite(), db.IsSqlite);
    }
}

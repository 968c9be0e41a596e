using CloudMarket.Data;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// <see cref="AppDbContext.IsPostgres"/> and <see cref="AppDbContext.IsSqlite"/> answer from the context's own type
/// (docs/performance.md, point 39); they must say what EF Core's own provider checks say for each context.
/// </summary>
public sealed class ProviderCheckTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EachContext_NamesItsProvider_AsEfCoreSays(bool postgres)
    {
        using AppDbContext db = postgres
            ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=127.0.0.1;Database=none").Options)
            : new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.Equal(postgres, db.IsPostgres);
        Assert.Equal(!postgres, db.IsSqlite);
        Assert.Equal(db.Database.IsNpgsql(), db.IsPostgres);
        Assert.Equal(db.Database.IsSqlite(), db.IsSqlite);
    }
}

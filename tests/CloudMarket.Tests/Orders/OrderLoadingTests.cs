using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// An order loaded with its items and their add-ons (OrderQueries.WithItems, used by every change, placement and
/// provisioning step) says how its two collections are read on each database: one statement on PostgreSQL, two on
/// SQLite. Left to EF Core's default, PostgreSQL's form logged a warning of two collections in one query at every start
/// of a production instance. Here that warning is an error, so the query compiles only if the choice is explicit; no
/// database is needed to compile it.
/// </summary>
public sealed class OrderLoadingTests
{
    /// <summary>The query's SQL: compiling it is where EF Core raises the warning.</summary>
    private static string Compile(AppDbContext db) =>
        db.Orders.WithItems(db).Where(o => o.Id == 42).ToQueryString();

    private static DbContextOptionsBuilder<T> Strict<T>(DbContextOptionsBuilder<T> options) where T : DbContext =>
        options.ConfigureWarnings(w => w.Throw(RelationalEventId.MultipleCollectionIncludeWarning));

    [Fact]
    public void OnPostgres_AnOrderWithItsItemsAndAddons_IsOneStatement_ChosenExplicitly()
    {
        using var db = new PostgresAppDbContext(Strict(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=compile-only")).Options);
        var sql = Compile(db);
        Assert.Contains("\"OrderItemAddons\"", sql);
        Assert.Contains("\"OrderItems\"", sql);
    }

    [Fact]
    public void OnSqlite_AnOrderWithItsItemsAndAddons_IsSplit_ChosenExplicitly()
    {
        using var db = new SqliteAppDbContext(Strict(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite("Data Source=:memory:")).Options);
        Compile(db);
    }
}

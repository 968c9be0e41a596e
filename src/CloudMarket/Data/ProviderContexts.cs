using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CloudMarket.Data;

/// <summary>SQLite: the embedded default. Its migrations live in Data/Migrations/Sqlite.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    /// <summary>
    /// SQLite has one writer. Letting requests and the worker queue here, one lock per database file,
    /// is much faster than letting them collide in SQLite and back off; other processes on the same
    /// file (not a supported deployment) still meet SQLite's busy timeout.
    /// </summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Writers = new();

    private SemaphoreSlim Writer => Writers.GetOrAdd(Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));

    /// <summary>
    /// This context holds the writer: a save inside one of its own writes (<see cref="AppDbContext.SaveChangesAfterAsync"/>)
    /// goes on instead of waiting for itself. A context is used by one flow at a time.
    /// </summary>
    private bool _holdsWriter;

    public override async Task<T> WriteAsync<T>(Func<CancellationToken, Task<T>> write, CancellationToken ct)
    {
        if (_holdsWriter) return await write(ct);
        await Writer.WaitAsync(ct);
        _holdsWriter = true;
        try
        {
            return await write(ct);
        }
        finally
        {
            _holdsWriter = false;
            Writer.Release();
        }
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default) =>
        WriteAsync(token => base.SaveChangesAsync(acceptAllChangesOnSuccess, token), ct);

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (_holdsWriter) return base.SaveChanges(acceptAllChangesOnSuccess);
        Writer.Wait();
        try
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            Writer.Release();
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // SQLite has no time zone type: store UTC and read it back as UTC, so the API always says "Z".
        configuration.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configuration.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

/// <summary>PostgreSQL: production. Its migrations live in Data/Migrations/Postgres.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        // Order search (OrderQueries) matches a term anywhere in an order's name or an item's offer
        // name with ILIKE '%term%': trigram GIN indexes find those rows without reading every item
        // of the platform (docs/performance.md, points 2 and 21).
        b.HasPostgresExtension("pg_trgm");
        SearchIndex(b.Entity<Features.Orders.Order>().HasIndex(o => o.Name), "IX_Orders_Name_Trgm");
        SearchIndex(b.Entity<Features.Orders.OrderItem>().HasIndex(i => i.OfferName), "IX_OrderItems_OfferName_Trgm");
        // Search covers the notes each user may see (the internal note for seller and distributor levels only).
        SearchIndex(b.Entity<Features.Orders.Order>().HasIndex(o => o.Note), "IX_Orders_Note_Trgm");
        SearchIndex(b.Entity<Features.Orders.Order>().HasIndex(o => o.InternalNote), "IX_Orders_InternalNote_Trgm");
        Features.Orders.OrderItemListKeys.ConfigureNumberIndex(b);
        QueueTables.LeaveRoomForLeases(b);
    }

    /// <summary>
    /// A trigram GIN index with a small pending list: new entries wait unsorted in at most 64 kB (8 pages), which the
    /// write that fills it merges into the index in one sorted pass. Written one by one instead, each order's and item's
    /// ~30 trigrams cost every insert and every update of an indexed column its own descents (~1 ms of PostgreSQL's CPU
    /// per placed order, point 36); every search reads the list through, and at 64 kB that is a few pages, not the
    /// 4 MB of the default that made searches several times slower (point 21).
    /// </summary>
    private static void SearchIndex<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.IndexBuilder<T> index, string name) =>
        index.HasMethod("gin").HasOperators("gin_trgm_ops").HasDatabaseName(name)
            .HasStorageParameter("fastupdate", true).HasStorageParameter("gin_pending_list_limit", SearchIndexPendingListKb);

    /// <summary>The trigram indexes' pending list, in kB (PostgreSQL's default is 4,096).</summary>
    private const int SearchIndexPendingListKb = 64;
}

public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=design.db").Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}

using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Features.Workspace;

/// <summary>
/// How many orders of one customer are in one of the queue's statuses (<see cref="AttentionQueries.OrderStatuses"/>), as
/// of the changes folded so far (<see cref="AttentionTallies.FoldAsync"/>); the changes not yet folded are
/// <see cref="AttentionTallyChange"/> rows. <see cref="Version"/> guards a fold against another instance's fold.
/// </summary>
public sealed class AttentionTally
{
    public Guid CustomerId { get; init; }
    public OrderStatus Status { get; init; }
    public int Count { get; set; }
    public int Version { get; set; }
}

/// <summary>
/// A change of one customer's count of orders in one status, written in the same transaction as the orders' change
/// (<see cref="AttentionTallyRecorder"/>). Only ever inserted by saves, so saves of one customer's orders lock no
/// shared row; read and deleted by the fold.
/// </summary>
public sealed class AttentionTallyChange
{
    public long Id { get; init; }
    public Guid CustomerId { get; init; }
    public OrderStatus Status { get; init; }
    public int Delta { get; init; }
}

/// <summary>
/// The counts of Needs attention kept as orders change, so counting a seller's queue reads a few rows per customer
/// instead of every order on it (docs/performance.md, point 14). A count is always
/// Σ <see cref="AttentionTally.Count"/> + Σ <see cref="AttentionTallyChange.Delta"/>: readers never depend on a fold
/// having run.
/// </summary>
public static class AttentionTallies
{
    /// <summary>The recorder in every save, and the fold every few seconds.</summary>
    public static IServiceCollection AddAttentionTallies(this IServiceCollection services)
    {
        services.AddSingleton<IInterceptor, AttentionTallyRecorder>();
        services.AddHostedService<AttentionTallyFolder>();
        return services;
    }

    /// <summary>Change rows folded per transaction.</summary>
    public const int FoldBatch = 1000;

    /// <summary>
    /// Every customer's tallies worked out again from the orders, set-based: for a database whose orders were written
    /// without EF (the benchmark's generators). The migration <c>AttentionTallies</c> fills an upgraded database the
    /// same way, with the statuses of its time.
    /// </summary>
    public static readonly string RecountSql = $"""
        DELETE FROM "AttentionTallyChanges";
        DELETE FROM "AttentionTallies";
        INSERT INTO "AttentionTallies" ("CustomerId", "Status", "Count", "Version")
        SELECT "CustomerId", "Status", COUNT(*), 0 FROM "Orders"
        WHERE {AppDbContext.StatusInSql(AttentionQueries.OrderStatuses)}
        GROUP BY "CustomerId", "Status";
        """;

    public static void Configure(ModelBuilder b)
    {
        b.Entity<AttentionTally>(e =>
        {
            e.ToTable("AttentionTallies");
            e.HasKey(t => new { t.CustomerId, t.Status });
            e.Property(t => t.Status).HasConversion<string>().HasMaxLength(32);
            e.Property(t => t.Version).IsConcurrencyToken();
        });
        b.Entity<AttentionTallyChange>(e =>
        {
            e.ToTable("AttentionTallyChanges");
            e.Property(c => c.Status).HasConversion<string>().HasMaxLength(32);
            e.HasIndex(c => new { c.CustomerId, c.Status });
        });
    }

    /// <summary>
    /// Each tallied status's count of orders of <paramref name="customers"/>: the folded totals plus the changes not
    /// yet folded, in one statement, so a fold committing meanwhile is seen wholly or not at all.
    /// </summary>
    public static async Task<Dictionary<OrderStatus, int>> CountsAsync(AppDbContext db, IQueryable<Guid> customers, CancellationToken ct)
    {
        var rows = await db.Set<AttentionTally>().Where(t => customers.Contains(t.CustomerId)).Select(t => new { t.Status, N = t.Count })
            .Concat(db.Set<AttentionTallyChange>().Where(c => customers.Contains(c.CustomerId)).Select(c => new { c.Status, N = c.Delta }))
            .GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Sum(r => r.N) })
            .ToListAsync(ct);
        return rows.ToDictionary(r => r.Status, r => r.Count);
    }

    /// <summary>
    /// Moves up to <see cref="FoldBatch"/> change rows, the oldest first, into their totals and deletes them, in one
    /// transaction (<see cref="StagedFold.CommitAsync"/>). Another instance folding the same rows at once makes one of
    /// the two fail — its change rows are gone, a total's <see cref="AttentionTally.Version"/> moved, or a new total's
    /// key is taken — and roll back whole, so nothing is counted twice; that one just tries again later. Answers how
    /// many change rows were folded.
    /// </summary>
    public static async Task<int> FoldAsync(AppDbContext db, CancellationToken ct) =>
        await StageFoldAsync(db, ct) is { } fold ? await fold.CommitAsync(ct) : 0;

    /// <summary>
    /// The fold up to its write: the oldest change rows read and added to their totals in <paramref name="db"/>'s unit
    /// of work, not yet saved (so a test can make two folds meet); null when there is nothing to fold.
    /// </summary>
    public static async Task<StagedFold?> StageFoldAsync(AppDbContext db, CancellationToken ct)
    {
        var changes = await db.Set<AttentionTallyChange>().AsNoTracking().OrderBy(c => c.Id).Take(FoldBatch).ToListAsync(ct);
        if (changes.Count == 0) return null;
        var customers = changes.Select(c => c.CustomerId).Distinct().ToList();
        var totals = (await db.Set<AttentionTally>().Where(t => customers.Contains(t.CustomerId)).ToListAsync(ct))
            .ToDictionary(t => (t.CustomerId, t.Status));
        foreach (var group in changes.GroupBy(c => (c.CustomerId, c.Status)))
        {
            var delta = group.Sum(c => c.Delta);
            if (totals.TryGetValue(group.Key, out var total))
            {
                if (delta == 0) continue;
                total.Count += delta;
                total.Version++;
            }
            else
                db.Add(new AttentionTally { CustomerId = group.Key.CustomerId, Status = group.Key.Status, Count = delta });
        }
        return new StagedFold(db, changes.ConvertAll(c => c.Id));
    }
}

/// <summary>A fold read and added to its totals in <paramref name="db"/>'s unit of work, not yet written.</summary>
public sealed class StagedFold(AppDbContext db, List<long> changeIds)
{
    /// <summary>
    /// Deletes the fold's change rows in one statement, then saves the totals, in one transaction. A change row already
    /// gone means another fold took it first (whatever totals this one read): nothing is written
    /// (<see cref="DbUpdateConcurrencyException"/>). The delete comes first, so a fold meeting this one waits on these
    /// rows' locks and then finds them gone. Answers how many change rows were folded.
    /// </summary>
    public Task<int> CommitAsync(CancellationToken ct) => db.SaveChangesAfterAsync(async t =>
    {
        var deleted = await db.Set<AttentionTallyChange>().Where(c => changeIds.Contains(c.Id)).ExecuteDeleteAsync(t);
        if (deleted != changeIds.Count)
            throw new DbUpdateConcurrencyException($"Another fold took {changeIds.Count - deleted} of these {changeIds.Count} tally changes first.");
        return deleted;
    }, ct);
}

/// <summary>
/// Writes <see cref="AttentionTallyChange"/> rows for what a save does to orders in the queue's statuses, inside that
/// save's transaction: +1 for an order added in one, −1 for one deleted from one, −1 and +1 for a status (or customer)
/// that changed; netted per customer and status. Every path that saves an order (API, pages, worker, demo data) is
/// covered; nothing changes an order's status outside a tracked save. A save retried after a failure (a concurrency
/// conflict) records once: the change rows are worked out again from the tracker at each attempt.
/// </summary>
public sealed class AttentionTallyRecorder : SaveRecorder
{
    private static readonly HashSet<OrderStatus> Tallied = [.. AttentionQueries.OrderStatuses];

    protected override void RecordDetected(DbContext context)
    {
        var tracker = context.ChangeTracker;
        // What an earlier attempt of this save added is dropped: the tracker says what this attempt changes.
        foreach (var stale in tracker.Entries<AttentionTallyChange>().Where(e => e.State == EntityState.Added).ToList())
            stale.State = EntityState.Detached;

        var deltas = new Dictionary<(Guid Customer, OrderStatus Status), int>();
        void Add(Guid customer, OrderStatus status, int delta)
        {
            if (Tallied.Contains(status)) deltas[(customer, status)] = deltas.GetValueOrDefault((customer, status)) + delta;
        }
        foreach (var entry in tracker.Entries<Order>())
        {
            var order = entry.Entity;
            switch (entry.State)
            {
                case EntityState.Added:
                    Add(order.CustomerId, order.Status, +1);
                    break;
                case EntityState.Deleted:
                    Add(Original(entry, o => o.CustomerId), Original(entry, o => o.Status), -1);
                    break;
                case EntityState.Modified when entry.Property(o => o.Status).IsModified || entry.Property(o => o.CustomerId).IsModified:
                    Add(Original(entry, o => o.CustomerId), Original(entry, o => o.Status), -1);
                    Add(order.CustomerId, order.Status, +1);
                    break;
            }
        }
        context.Set<AttentionTallyChange>().AddRange(deltas.Where(d => d.Value != 0)
            .Select(d => new AttentionTallyChange { CustomerId = d.Key.Customer, Status = d.Key.Status, Delta = d.Value }));
    }

    private static T Original<T>(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<Order> entry,
        System.Linq.Expressions.Expression<Func<Order, T>> property) => entry.Property(property).OriginalValue;
}

/// <summary>
/// Folds the change rows into the totals every few seconds, on every instance (a fold racing another instance's fails
/// and rolls back whole, <see cref="AttentionTallies.FoldAsync"/>), so the change table stays small for the readers.
/// </summary>
public sealed class AttentionTallyFolder(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AttentionTallyFolder> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                // Full batches mean more waiting: fold on until the table is (nearly) empty.
                int folded;
                do
                {
                    await using var scope = scopes.CreateAsyncScope();
                    folded = await AttentionTallies.FoldAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), stop);
                }
                while (folded == AttentionTallies.FoldBatch);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (DbUpdateException e)
            {
                // Another instance folded the same rows first (or a deadlock between the two was broken): nothing was counted.
                logger.LogDebug(e, "Folding Needs attention's tallies met another fold; trying again in {Interval}", Interval);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Folding Needs attention's tallies failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Provisioning;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// A save recorder wakes its background loop only once the save it marked has succeeded (<c>SaveRecorder.WakeWhenCommitted</c>):
/// here the provisioning worker, after a save that added jobs (<see cref="ProvisioningJobsCommitted"/>). The tests that place
/// orders would pass without the wake-up too (the worker also polls), so this is where it is held. On a real SQLite database
/// in memory; the signal is read, not waited for.
/// </summary>
public sealed class SaveRecorderWakeUpTests : IDisposable
{
    private static readonly DateTime Now = new(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc);
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly ProvisioningSignal _signal = new();

    public SaveRecorderWakeUpTests()
    {
        _connection.Open();
        using var db = Db();
        db.Database.EnsureCreated();
    }

    public void Dispose() => _connection.Dispose();

    private SqliteAppDbContext Db(params IInterceptor[] more) => new(new DbContextOptionsBuilder<SqliteAppDbContext>()
        .UseSqlite(_connection).AddInterceptors([new ProvisioningJobsCommitted(_signal), .. more]).Options);

    /// <summary>Whether the worker has been woken since it last looked (and it looks now).</summary>
    private Task<bool> WorkerWoken() => _signal.WaitAsync(TimeSpan.Zero, TestContext.Current.CancellationToken);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A job saved through <paramref name="db"/>, the worker woken by it and that wake-up taken, so the test starts from a quiet signal.</summary>
    private async Task<ProvisioningJob> SavedJobAsync(SqliteAppDbContext db)
    {
        var job = new ProvisioningJob(1, Now);
        db.ProvisioningJobs.Add(job);
        await db.SaveChangesAsync(Ct);
        Assert.True(await WorkerWoken());
        return job;
    }

    [Fact]
    public async Task A_save_that_commits_new_jobs_wakes_the_worker_once()
    {
        await using var db = Db();
        db.ProvisioningJobs.AddRange(new ProvisioningJob(1, Now), new ProvisioningJob(2, Now));

        await db.SaveChangesAsync(Ct);

        Assert.True(await WorkerWoken());
        Assert.False(await WorkerWoken());
    }

    [Fact]
    public async Task A_save_that_only_changes_a_job_wakes_nobody()
    {
        await using var db = Db();
        var job = await SavedJobAsync(db);

        job.DueAt = Now.AddMinutes(5);
        await db.SaveChangesAsync(Ct);

        Assert.False(await WorkerWoken());
    }

    /// <summary>
    /// A save that adds a job and then fails wakes nobody, and leaves no mark behind: the same context's next save, which
    /// commits no new job, wakes nobody either.
    /// </summary>
    [Fact]
    public async Task A_failed_save_wakes_nobody_now_or_at_the_next_save()
    {
        await using var db = Db();
        var first = await SavedJobAsync(db);

        await using var other = Db();
        var duplicate = new ProvisioningJob(2, Now);
        other.ProvisioningJobs.Add(duplicate);
        other.Entry(duplicate).Property(j => j.Id).CurrentValue = first.Id;
        await Assert.ThrowsAsync<DbUpdateException>(() => other.SaveChangesAsync(Ct));
        Assert.False(await WorkerWoken());

        other.Entry(duplicate).State = EntityState.Detached;
        var same = await other.ProvisioningJobs.SingleAsync(j => j.Id == first.Id, Ct);
        same.DueAt = Now.AddMinutes(5);
        await other.SaveChangesAsync(Ct);

        Assert.False(await WorkerWoken());
    }

    /// <summary>
    /// A save cancelled while its statements run (EF Core tells interceptors of that apart from a failure) wakes nobody, and
    /// leaves no mark behind for the context's next save.
    /// </summary>
    [Fact]
    public async Task A_cancelled_save_wakes_nobody_now_or_at_the_next_save()
    {
        var cancelOnce = new CancelTheFirstStatement();
        await using var db = Db(cancelOnce);
        var job = new ProvisioningJob(1, Now);
        db.ProvisioningJobs.Add(job);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.SaveChangesAsync(Ct));
        Assert.False(await WorkerWoken());

        db.Entry(job).State = EntityState.Detached;
        db.Set<EmailOptOut>().Add(new EmailOptOut(Guid.NewGuid(), "order.completed"));
        await db.SaveChangesAsync(Ct);

        Assert.False(await WorkerWoken());
    }

    /// <summary>Cancels the first statement sent, as a request aborted in the middle of its save would.</summary>
    private sealed class CancelTheFirstStatement : DbCommandInterceptor
    {
        private int _sent;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken ct = default) =>
            Interlocked.Increment(ref _sent) == 1 ? throw new OperationCanceledException() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken ct = default) =>
            Interlocked.Increment(ref _sent) == 1 ? throw new OperationCanceledException() : ValueTask.FromResult(result);
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Provisioning;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Subscriptions;

/// <summary>
/// Records the renewals the vendors made: every few minutes, each subscription that renews itself and whose
/// renewal date has passed gets its new term (<see cref="Subscription.RecordRenewalsDueBy"/>). Answers and checks
/// already count due renewals (<see cref="Subscription.TermAt"/>); this keeps the stored date true for what reads
/// it in SQL (the next renewal of the customer list, the windows about to close of Needs attention). Safe on every
/// instance at once: each writes the same dates.
/// </summary>
public sealed class SubscriptionRenewals(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SubscriptionRenewals> logger) : BackgroundService
{
    /// <summary>How often the renewals are recorded: a renewal shows in SQL-read lists within this time.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    /// <summary>Subscriptions renewed per transaction.</summary>
    private const int BatchSize = 500;

    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        if (ProvisioningOptions.WorkerRunsHere(configuration))
            services.AddHostedService<SubscriptionRenewals>();
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var renewed = await RecordDueAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), clock.GetUtcNow().UtcDateTime, stop);
                if (renewed > 0) logger.LogInformation("Recorded the renewal of {Count} subscriptions", renewed);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Recording subscription renewals failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    /// <summary>Records every renewal due by <paramref name="now"/>; answers how many subscriptions renewed.</summary>
    public static async Task<int> RecordDueAsync(AppDbContext db, DateTime now, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var due = await db.Subscriptions
                .Where(s => s.AutoRenew && s.Status != SubscriptionStatus.Cancelled && s.RenewalDate <= now)
                .OrderBy(s => s.RenewalDate).Take(BatchSize).ToListAsync(ct);
            foreach (var s in due) s.RecordRenewalsDueBy(now);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            total += due.Count;
            if (due.Count < BatchSize) return total;
        }
    }
}

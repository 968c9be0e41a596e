using System.Collections.Concurrent;
using CloudMarket.Data;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Claims provisioning jobs from the outbox a batch at a time and provisions each batch together
/// (<see cref="OrderProvisioner"/>), with up to <see cref="ProvisioningOptions.MaxConcurrentOrders"/> orders in flight.
/// Every app instance runs one; the lease in the job row keeps them apart.
/// </summary>
public sealed class ProvisioningWorker(
    IServiceScopeFactory scopes,
    OrderProvisioner provisioner,
    ProvisioningSignal signal,
    IOptions<ProvisioningOptions> options,
    TimeProvider clock,
    ILogger<ProvisioningWorker> logger) : BackgroundService
{
    /// <summary>Who holds a lease: host, process and a random part, so two instances in one process differ too.</summary>
    public string InstanceName { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Batches being provisioned, by a number of their own.</summary>
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private long _batches;

    /// <summary>Orders being provisioned, against <see cref="ProvisioningOptions.MaxConcurrentOrders"/>.</summary>
    private int _inFlight;

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var o = options.Value;
        var idle = TimeSpan.FromMilliseconds(o.PollIntervalMs);
        logger.LogInformation("Provisioning worker {Instance} started: {Orders} orders and {Calls} vendor calls at a time",
            InstanceName, o.MaxConcurrentOrders, o.MaxConcurrentVendorCalls);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                foreach (var (batch, task) in _running)
                    if (task.IsCompleted) _running.TryRemove(batch, out _);
                var free = o.MaxConcurrentOrders - Volatile.Read(ref _inFlight);
                if (free <= 0)
                {
                    await signal.WaitAsync(idle, stop);
                    continue;
                }
                var claimed = await ClaimAsync(Math.Min(free, o.ClaimBatchSize), stop);
                if (claimed.Count > 0)
                {
                    Interlocked.Add(ref _inFlight, claimed.Count);
                    _running[Interlocked.Increment(ref _batches)] = RunAsync(claimed, stop);
                }
                // A full batch means more may be waiting: claim again at once.
                if (claimed.Count < Math.Min(free, o.ClaimBatchSize) && await signal.WaitAsync(idle, stop) && o.ClaimGatherMs > 0)
                    // Woken by a placement: others follow within milliseconds under load, and claimed together they are
                    // one batch's reads and saves instead of several. Real time, not the clock: this only paces claims.
                    await Task.Delay(o.ClaimGatherMs, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Claiming provisioning jobs failed; trying again shortly");
                await Task.Delay(idle, clock, CancellationToken.None);
            }
        }
        await Task.WhenAll(_running.Values);
    }

    private async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(int max, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await ProvisioningJobQueue.ClaimAsync(db, InstanceName, max, clock.GetUtcNow().UtcDateTime,
            TimeSpan.FromSeconds(options.Value.LeaseSeconds), ct);
    }

    private async Task RunAsync(IReadOnlyList<ClaimedJob> batch, CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            // Each order that fails is given back by the provisioner itself; only shutting down ends it early.
            await provisioner.ProcessAsync(batch, InstanceName, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down: the leases run out and another worker (or this one after restart) takes the jobs.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Provisioning orders {OrderNumbers} failed unexpectedly; their leases will run out and they are tried again",
                string.Join(",", batch.Select(j => j.OrderId)));
        }
        finally
        {
            Interlocked.Add(ref _inFlight, -batch.Count);
            signal.Notify();
        }
    }
}

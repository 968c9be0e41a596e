using System.Collections.Concurrent;
using CloudMarket.Data;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>
/// Claims provisioning jobs from the outbox and runs up to <see cref="ProvisioningOptions.MaxConcurrentOrders"/>
/// of them at once. Every app instance runs one; the lease in the job row keeps them apart.
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

    private readonly ConcurrentDictionary<long, Task> _running = new();

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
                var free = o.MaxConcurrentOrders - _running.Count;
                if (free <= 0)
                {
                    await signal.WaitAsync(idle, stop);
                    continue;
                }
                var claimed = await ClaimAsync(Math.Min(free, o.ClaimBatchSize), stop);
                foreach (var job in claimed)
                    _running[job.Id] = RunAsync(job, stop);
                // A full batch means more may be waiting: claim again at once.
                if (claimed.Count < Math.Min(free, o.ClaimBatchSize))
                    await signal.WaitAsync(idle, stop);
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

    private async Task RunAsync(ClaimedJob job, CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            await provisioner.ProcessAsync(job, InstanceName, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and another worker (or this one after restart) takes the job.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Provisioning order {OrderNumber} failed; it will be tried again", job.OrderId);
            try
            {
                await provisioner.ReleaseAsync(job, InstanceName, e);
            }
            catch (Exception releaseError)
            {
                logger.LogError(releaseError, "Releasing job {JobId} failed; its lease will run out", job.Id);
            }
        }
        finally
        {
            _running.TryRemove(job.Id, out _);
            signal.Notify();
        }
    }
}

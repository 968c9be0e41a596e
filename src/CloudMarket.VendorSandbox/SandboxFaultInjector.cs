namespace CloudMarket.VendorSandbox;

/// <summary>Rolls the dice for every vendor request; the faults can be changed while the sandbox runs.</summary>
public sealed class SandboxFaultInjector(SandboxFaults initial)
{
    private readonly Lock _gate = new();
    private SandboxFaults _faults = initial;
    private Random _dice = new(initial.Seed);

    public SandboxFaults Current { get { lock (_gate) return _faults; } }

    public void Set(SandboxFaults faults)
    {
        lock (_gate)
        {
            _faults = faults;
            _dice = new Random(faults.Seed);
        }
    }

    private double Roll() { lock (_gate) return _dice.NextDouble(); }

    /// <summary>The endpoint filter in front of every vendor endpoint.</summary>
    public async ValueTask<object?> Apply(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var faults = Current;
        if (faults.LatencyMs > 0 || faults.LatencyJitterMs > 0)
            await Task.Delay(faults.LatencyMs + (int)(Roll() * faults.LatencyJitterMs), http.RequestAborted);
        if (faults.TotalFaultRate <= 0)
            return await next(context);

        var roll = Roll();
        if (roll < faults.TooManyRequestsRate)
        {
            http.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return SandboxState.Error(429, "TooManyRequests", "Request rate limit exceeded; retry later.").ToResult();
        }
        roll -= faults.TooManyRequestsRate;
        if (roll < faults.ServerErrorRate)
            return SandboxState.Error(503, "ServiceUnavailable", "The service is temporarily unavailable.").ToResult();
        roll -= faults.ServerErrorRate;
        if (roll < faults.TimeoutRate)
        {
            // The work is done, the answer never arrives in time: the caller must retry with the same key.
            var result = await next(context);
            await Task.Delay(faults.TimeoutHangMs, http.RequestAborted);
            return result;
        }
        return await next(context);
    }
}

using System.ComponentModel.DataAnnotations;
using CloudMarket.VendorSandbox;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Provisioning;

/// <summary>Section "Provisioning": the worker that sends placed orders to the vendors.</summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";

    /// <summary>Run the worker in this instance. Every instance may run one; they share the work through the database.</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>
    /// Whether this instance runs the background work (the worker, and what belongs with it), read while the
    /// services are registered, before options exist: an instance that only serves pages and the API leaves it
    /// to the instances that do.
    /// </summary>
    public static bool WorkerRunsHere(IConfiguration configuration) =>
        configuration.GetSection(Section).GetValue(nameof(WorkerEnabled), true);

    /// <summary>Orders this instance provisions at the same time.</summary>
    [Range(1, 1024)] public int MaxConcurrentOrders { get; set; } = 128;

    /// <summary>Vendor calls this instance has in flight at the same time, over all orders.</summary>
    [Range(1, 4096)] public int MaxConcurrentVendorCalls { get; set; } = 256;

    /// <summary>Jobs claimed in one round trip.</summary>
    [Range(1, 1000)] public int ClaimBatchSize { get; set; } = 16;

    /// <summary>
    /// How long a worker woken by a placement waits before it claims, so that the placements of the next few
    /// milliseconds are claimed and provisioned with it as one batch (docs/performance.md, point 35); 0 claims at once.
    /// </summary>
    [Range(0, 1000)] public int ClaimGatherMs { get; set; } = 20;

    /// <summary>How often an idle worker looks for work placed by other instances.</summary>
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 500;

    /// <summary>
    /// How long a claimed job belongs to its worker. A worker that dies leaves its jobs to be reclaimed
    /// after this; it must be longer than one order's vendor round trips take.
    /// </summary>
    [Range(1, 3600)] public int LeaseSeconds { get; set; } = 120;

    /// <summary>Attempts at reaching a vendor before the remaining items fail as unavailable (the order can then be retried).</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 8;

    /// <summary>First wait before another attempt after a vendor stayed unreachable; doubles per attempt, with jitter.</summary>
    [Range(0, 3600_000)] public int RetryDelayMs { get; set; } = 2_000;

    /// <summary>Partner Center: how often to ask whether a checkout's line items are fulfilled, and for how long.</summary>
    [Range(1, 60_000)] public int FulfilmentPollMs { get; set; } = 250;

    [Range(1, 3600_000)] public int FulfilmentTimeoutMs { get; set; } = 60_000;
}

/// <summary>Section "Vendors": where each vendor API lives. Empty base URLs mean the in-process sandbox.</summary>
public sealed class VendorOptions
{
    public const string Section = "Vendors";

    public VendorEndpointOptions Microsoft { get; set; } = new();
    public VendorEndpointOptions Generic { get; set; } = new();

    public IEnumerable<(string Name, VendorEndpointOptions Endpoint)> All => [(nameof(Microsoft), Microsoft), (nameof(Generic), Generic)];
}

public sealed class VendorEndpointOptions
{
    /// <summary>The API's root, e.g. https://api.partnercenter.microsoft.com/. Empty: the in-process sandbox.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The bearer key sent with every call to <see cref="BaseUrl"/>. No built-in value; the in-process sandbox needs none.</summary>
    public string? ApiKey { get; set; }
}

/// <summary>
/// An instance that runs the provisioning worker must know where every vendor is: an endpoint with its
/// credentials, or the in-process sandbox. Checked at start, so a deployment missing them refuses to start
/// with the settings named, instead of failing at the first order. (An instance without the worker never
/// calls a vendor.)
/// </summary>
public sealed class VendorOptionsValidator(IOptions<VendorSandboxOptions> sandbox, IOptions<ProvisioningOptions> provisioning)
    : IValidateOptions<VendorOptions>
{
    public ValidateOptionsResult Validate(string? name, VendorOptions options)
    {
        if (!provisioning.Value.WorkerEnabled)
            return ValidateOptionsResult.Success;
        var missing = new List<string>();
        var invalid = new List<string>();
        foreach (var (vendor, endpoint) in options.All)
        {
            var prefix = $"{VendorOptions.Section}:{vendor}";
            if (string.IsNullOrWhiteSpace(endpoint.BaseUrl))
            {
                if (!sandbox.Value.InProcess)
                    missing.AddRange([$"{prefix}:BaseUrl", $"{prefix}:ApiKey"]);
                continue;
            }
            if (!Uri.TryCreate(endpoint.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                invalid.Add($"{prefix}:BaseUrl ({endpoint.BaseUrl}) is not an http(s) URL.");
            if (string.IsNullOrWhiteSpace(endpoint.ApiKey))
                missing.Add($"{prefix}:ApiKey");
        }
        var failures = invalid.ToList();
        if (missing.Count > 0)
            failures.Insert(0, $"Vendors are not configured: set {string.Join(", ", missing)}" +
                               (sandbox.Value.InProcess ? "." : ", or VendorSandbox:InProcess=true to send every order to the built-in vendor sandbox."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using System.ComponentModel.DataAnnotations;

namespace CloudMarket.VendorSandbox;

/// <summary>Section "VendorSandbox": the stand-in for the vendors' APIs.</summary>
public sealed class VendorSandboxOptions
{
    public const string Section = "VendorSandbox";

    /// <summary>
    /// Start the sandbox inside the app on its own loopback port and send every order there. Off unless turned
    /// on: appsettings.Development.json does for <c>dotnet run</c>; elsewhere it takes <c>VendorSandbox__InProcess=true</c>.
    /// </summary>
    public bool InProcess { get; set; }

    /// <summary>Where the sandbox listens; port 0 picks a free one.</summary>
    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>The bearer key callers must present. Empty: a random key made up at start (the in-process sandbox hands it to the connectors).</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long a Partner Center order's line items stay pending after checkout.</summary>
    [Range(0, 600_000)]
    public int FulfilmentDelayMs { get; set; }

    public SandboxFaults Faults { get; set; } = new();
}

/// <summary>
/// Fault injection, each rate between 0 and 1 per request. A timeout is the nasty kind: the sandbox
/// does the work and then never answers in time, so only an idempotency key keeps a retry from buying twice.
/// </summary>
public sealed record SandboxFaults
{
    [Range(0, 60_000)] public int LatencyMs { get; init; }
    [Range(0, 60_000)] public int LatencyJitterMs { get; init; }
    [Range(0.0, 1.0)] public double TooManyRequestsRate { get; init; }
    [Range(0.0, 1.0)] public double ServerErrorRate { get; init; }
    [Range(0.0, 1.0)] public double TimeoutRate { get; init; }
    [Range(0, 3600)] public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>How long a "timed out" request hangs before the sandbox gives up on it.</summary>
    [Range(0, 600_000)] public int TimeoutHangMs { get; init; } = 30_000;

    /// <summary>Seed of the dice, so a failing run can be repeated.</summary>
    public int Seed { get; init; } = 7;

    public double TotalFaultRate => TooManyRequestsRate + ServerErrorRate + TimeoutRate;
}

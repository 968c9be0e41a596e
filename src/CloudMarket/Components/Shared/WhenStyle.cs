namespace CloudMarket.Components.Shared;

/// <summary>How <c>&lt;When&gt;</c> shows an instant.</summary>
public enum WhenStyle
{
    /// <summary>"2025-03-30 14:20": where the column heading or the sentence names the zone.</summary>
    Exact,

    /// <summary>"2 h ago", the exact time on hover: lists.</summary>
    Relative,

    /// <summary>"2025-03-30 14:20 (UTC+02:00, Europe/Berlin)": where nothing else names the zone.</summary>
    WithZone,
}

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>A receiver of events, owned by one organization (a seller's or distributor's gets every customer below it).</summary>
public sealed class WebhookEndpoint
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 500;

    private WebhookEndpoint() { }

    public WebhookEndpoint(Guid organizationId, string url, IReadOnlyCollection<string> events, string? description, Guid createdByUserId,
        IssuedSecret secret, DateTime now)
    {
        OrganizationId = organizationId;
        Url = url;
        SetEvents(events);
        Description = description;
        CreatedByUserId = createdByUserId;
        CreatedAt = now;
        UpdatedAt = now;
        Enabled = true;
        ProtectedSecret = secret.Protected;
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Url { get; set; } = "";

    /// <summary>Comma-separated event types, or "*".</summary>
    public string Events { get; private set; } = "";
    public string? Description { get; set; }

    /// <summary>
    /// The HMAC key, encrypted (<see cref="WebhookSecrets"/>). Shown once when created or rotated,
    /// never again in a page or a GET.
    /// </summary>
    public string ProtectedSecret { get; private set; } = "";
    public bool Enabled { get; set; }
    public string? DisabledReason { get; set; }

    /// <summary>Told by e-mail when the endpoint is disabled after failing for days.</summary>
    public Guid CreatedByUserId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public void SetEvents(IReadOnlyCollection<string> events) => Events = string.Join(',', events.Distinct());

    public bool Wants(string type) => EventList.Contains(EventTypes.Wildcard) || EventList.Contains(type);

    public void RotateSecret(IssuedSecret secret) => ProtectedSecret = secret.Protected;
}

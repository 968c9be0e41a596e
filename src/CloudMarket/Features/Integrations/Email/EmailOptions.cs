namespace CloudMarket.Features.Integrations.Email;

/// <summary>Section "Email". Without Smtp:Host, mails are written as .eml files to the pickup directory.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>Where .eml files go when no SMTP server is configured. Default: a "mail" folder beside the database.</summary>
    public string? PickupDirectory { get; set; }

    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;

    /// <summary>STARTTLS (or TLS on connect for port 465). Turn off only for a server on the same host.</summary>
    public bool UseTls { get; set; } = true;
    public string? User { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "CloudMarket <no-reply@cloudmarket.example>";
}

/// <summary>A user's "don't e-mail me about this" (integrations.md: each user can turn each off).</summary>
public sealed class EmailOptOut
{
    private EmailOptOut() { }

    public EmailOptOut(Guid userId, string eventType)
    {
        UserId = userId;
        EventType = eventType;
    }

    public Guid UserId { get; private set; }
    public string EventType { get; private set; } = "";
}

using CloudMarket.Data;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations;

/// <summary>The integrations tables, configured here so AppDbContext only calls in.</summary>
public static class IntegrationsModel
{
    /// <summary>A partial index's filter: webhook rows, the only ones read by endpoint (e-mails have none).</summary>
    private const string WithEndpoint = "\"EndpointId\" IS NOT NULL";

    public static void Configure(ModelBuilder b)
    {
        b.Entity<IntegrationEvent>(e =>
        {
            e.ToTable("IntegrationEvents");
            e.Property(x => x.EventId).HasMaxLength(40);
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Reason).HasMaxLength(4000);
            e.Property(x => x.TraceParent).HasMaxLength(128);
            e.Property(x => x.LeaseOwner).HasMaxLength(100);
            e.Property(x => x.Attempts).IsConcurrencyToken();
            QueueTables.OpenRowsIndex(e, x => x.Id, nameof(IntegrationEvent.DispatchedAt));
            e.HasIndex(x => new { x.OrderId, x.Id });
        });

        b.Entity<Delivery>(e =>
        {
            e.ToTable("Deliveries");
            e.Property(x => x.Channel).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.EmailTo).HasMaxLength(254);
            e.Property(x => x.EventId).HasMaxLength(40);
            e.Property(x => x.EventType).HasMaxLength(64);
            e.Property(x => x.Subject).HasMaxLength(400);
            e.Property(x => x.TraceParent).HasMaxLength(128);
            e.Property(x => x.LeaseOwner).HasMaxLength(100);
            e.Property(x => x.Attempts).IsConcurrencyToken();
            QueueTables.OpenRowsIndex(e, x => new { x.DueAt, x.Id }, nameof(Delivery.CompletedAt));
            // The webhook calls' own open rows, in the claim's order: while the mails are at their cap, the claim leaves them
            // out, and on the index above it read past every waiting mail to reach the calls (7,700 blocks a claim with
            // 20,000 mails waiting, docs/performance.md point 54). A call is in both; a mail only in the one above.
            QueueTables.OpenRowsIndex(e, x => new { x.DueAt, x.Id }, nameof(Delivery.CompletedAt), only: WithEndpoint, name: "OpenCalls");
            // The claim's probe of an order's previous delivery to an endpoint, and an endpoint's deletion (cascade):
            // webhook deliveries only. E-mails (two in three deliveries) have no endpoint and no entry, so their insert
            // and their ending (a new row version, indexed anew) write fewer index entries (docs/performance.md, point 31).
            e.HasIndex(x => new { x.EndpointId, x.OrderId, x.Sequence }).HasFilter(WithEndpoint);
            e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<DeliveryAttempt>(e =>
        {
            e.ToTable("DeliveryAttempts");
            e.Property(x => x.Error).HasMaxLength(1000);
            e.Ignore(x => x.Succeeded);
            e.HasIndex(x => new { x.EndpointId, x.Id }).HasFilter(WithEndpoint);
            e.HasIndex(x => x.DeliveryId);
            e.HasOne<Delivery>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<WebhookEndpoint>(e =>
        {
            e.ToTable("WebhookEndpoints");
            e.Property(x => x.Url).HasMaxLength(WebhookEndpoint.MaxUrlLength);
            e.Property(x => x.Events).HasMaxLength(1000);
            e.Property(x => x.Description).HasMaxLength(WebhookEndpoint.MaxDescriptionLength);
            e.Property(x => x.ProtectedSecret).HasMaxLength(1000);
            e.Property(x => x.DisabledReason).HasMaxLength(1000);
            e.HasIndex(x => x.OrganizationId);
        });

        b.Entity<EmailOptOut>(e =>
        {
            e.ToTable("EmailOptOuts");
            e.HasKey(x => new { x.UserId, x.EventType });
            e.Property(x => x.EventType).HasMaxLength(64);
        });
    }
}

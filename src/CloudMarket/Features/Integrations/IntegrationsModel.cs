using CloudMarket.Data;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations;

/// <summary>The integrations tables, configured here so AppDbContext only calls in.</summary>
public static class IntegrationsModel
{
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
            e.HasIndex(x => new { x.EndpointId, x.OrderId, x.Sequence });
            e.HasIndex(x => new { x.Channel, x.Id });
            e.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<DeliveryAttempt>(e =>
        {
            e.ToTable("DeliveryAttempts");
            e.Property(x => x.Error).HasMaxLength(1000);
            e.Ignore(x => x.Succeeded);
            e.HasIndex(x => new { x.EndpointId, x.Id });
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

using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Integrations.Email;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations;

/// <summary>
/// Turns one outbox event into its deliveries: one per webhook endpoint of the customer, its seller
/// and its distributor that wants the type, and one per e-mail recipient. Each payload is what the
/// receiving organization's admin role gets from the API (OrderQueries / SubscriptionQueries with
/// that role's context), so the visibility rule is the API's own: customer-level receivers get no
/// markup item, no cost, and no event of a markup-only order.
/// </summary>
public sealed class EventFanOut(EmailNotifications emails)
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WebSetup.ConfigureJson(json);
        return json;
    }

    public async Task FanOutAsync(AppDbContext db, IntegrationEvent ev, DateTime now, CancellationToken ct)
    {
        // The customer, its seller and their distributor in one statement (was one per level).
        var customerId = ev.CustomerId;
        var read = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == customerId
                        || db.Organizations.Any(c => c.Id == customerId && c.ParentId == o.Id)
                        || db.Organizations.Any(c => c.Id == customerId && db.Organizations.Any(s => s.Id == c.ParentId && s.ParentId == o.Id)))
            .ToDictionaryAsync(o => o.Id, ct);
        if (!read.TryGetValue(customerId, out var customer)) return;
        var orgs = new Dictionary<Guid, Organization> { [customer.Id] = customer };
        for (var parentId = customer.ParentId; parentId is { } id;)
        {
            var parent = read.TryGetValue(id, out var known) ? known : await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == id, ct);
            orgs[parent.Id] = parent;
            parentId = parent.ParentId;
        }

        // A customer always sits under a seller; the context the API would build carries both.
        if (customer.ParentId is not { } sellerId) return;
        var seller = orgs[sellerId];

        var orgIds = orgs.Keys.ToList();
        var endpoints = await db.Set<WebhookEndpoint>().AsNoTracking()
            .Where(e => e.Enabled && orgIds.Contains(e.OrganizationId)).OrderBy(e => e.Id).ToListAsync(ct);
        var bodies = new Dictionary<Guid, string?>();
        foreach (var endpoint in endpoints.Where(e => e.Wants(ev.Type)))
        {
            if (!bodies.TryGetValue(endpoint.OrganizationId, out var body))
                bodies[endpoint.OrganizationId] = body = await BodyAsync(db, ev, ReceiverContext(orgs[endpoint.OrganizationId], customer, seller), now, ct);
            if (body is not null)
                db.Add(Delivery.Webhook(endpoint.Id, ev.EventId, ev.Type, ev.Id, ev.OrderId, body, now, ev.TraceParent));
        }

        await emails.AddAsync(db, ev, customer, seller, orgs, now, ct);
    }

    /// <summary>The receiving organization's admin, as the API would see them in that customer's view.</summary>
    public static CustomerContext ReceiverContext(Organization receiver, Organization customer, Organization seller)
    {
        var role = receiver.Type switch
        {
            OrganizationType.Distributor => Role.DistributorAdmin,
            OrganizationType.Seller => Role.SellerAdmin,
            _ => Role.CustomerAdmin,
        };
        return new CustomerContext(new Actor(Guid.Empty, $"{receiver.Name} webhooks", "", receiver.Id, receiver.Name, receiver.Type, [role]), customer, seller);
    }

    /// <summary>The JSON body for one receiver; null when that receiver must not hear of the event.</summary>
    public static async Task<string?> BodyAsync(AppDbContext db, IntegrationEvent ev, CustomerContext ctx, DateTime now, CancellationToken ct)
    {
        if (ev.ConcernsOnlyMarkup && !OrderVisibility.SeesMarkup(ctx)) return null;
        object? data;
        if (ev.SubscriptionId is { } subscriptionId)
        {
            // A subscription changed by an order the receiver cannot see (markup-only) is not told either.
            if (ev.OrderId is { } changedBy && !await db.Orders.AsNoTracking().VisibleOrders(ctx).AnyAsync(o => o.Id == changedBy, ct))
                return null;
            data = await SubscriptionQueries.DetailAsync(db, ctx, subscriptionId, now, ct) is { } s ? new { subscription = s } : null;
        }
        else if (ev.OrderId is { } orderId)
            data = await OrderQueries.DetailAsync(db, ctx, orderId, now, ct) is { } o ? new { order = o } : null;
        else
            data = null;
        if (data is null) return null;
        return Serialize(ev.EventId, ev.Type, ev.CreatedAt, ev.CustomerId, data);
    }

    public static string Serialize(string eventId, string type, DateTime createdAt, Guid organizationId, object data) =>
        JsonSerializer.Serialize(new { id = eventId, type, createdAt, organizationId, data }, Json);
}

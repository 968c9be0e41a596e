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
/// Turns outbox events into their deliveries: one per webhook endpoint of the customer, its seller
/// and its distributor that wants the type, and one per e-mail recipient. Each payload is what the
/// receiving organization's admin role gets from the API (OrderQueries / SubscriptionQueries with
/// that role's context), so the visibility rule is the API's own: customer-level receivers get no
/// markup item, no cost, and no event of a markup-only order. A whole claimed batch is fanned out
/// with a fixed number of reads (organizations, endpoints, orders, e-mail recipients), not per event.
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

    /// <summary>
    /// The deliveries of these events (saved by the caller with the events' dispatch). The claim gives at most
    /// one event per order (an order's next event waits for this one), so nothing here orders one order's
    /// events; each delivery carries its event's id as its place in the order's sequence.
    /// </summary>
    public async Task<List<Delivery>> FanOutAsync(AppDbContext db, IReadOnlyList<IntegrationEvent> events, DateTime now, CancellationToken ct)
    {
        var orgs = await ChainsAsync(db, events.Select(e => e.CustomerId).Distinct().ToList(), ct);
        var orgIds = orgs.Keys.ToList();
        var endpoints = await db.Set<WebhookEndpoint>().AsNoTracking()
            .Where(e => e.Enabled && orgIds.Contains(e.OrganizationId)).OrderBy(e => e.Id).ToListAsync(ct);
        var (orders, windows) = await OrderQueries.LoadManyForDetailsAsync(db,
            events.Where(e => e.OrderId is not null).Select(e => e.OrderId!.Value).Distinct().ToList(), ct);

        var deliveries = new List<Delivery>();
        var mailed = new List<EmailNotifications.Mailed>();
        foreach (var ev in events)
        {
            using var activity = AppTelemetry.StartFromStored(AppTelemetry.Integrations, "integration fan-out", ev.TraceParent, ev.OrderId);
            activity?.SetTag("cloudmarket.event.type", ev.Type);
            // A customer always sits under a seller; the context the API would build carries both.
            if (!orgs.TryGetValue(ev.CustomerId, out var customer) || customer.ParentId is not { } sellerId || !orgs.TryGetValue(sellerId, out var seller))
                continue;
            var chain = Chain(orgs, customer);
            var order = ev.OrderId is { } orderId ? orders.GetValueOrDefault(orderId) : null;
            var bodies = new Dictionary<Guid, string?>();
            foreach (var endpoint in endpoints.Where(e => chain.ContainsKey(e.OrganizationId) && e.Wants(ev.Type)))
            {
                if (!bodies.TryGetValue(endpoint.OrganizationId, out var body))
                    bodies[endpoint.OrganizationId] = body =
                        await BodyAsync(db, ev, ReceiverContext(chain[endpoint.OrganizationId], customer, seller), order, windows, now, ct);
                if (body is not null)
                    deliveries.Add(Delivery.Webhook(endpoint.Id, ev.EventId, ev.Type, ev.Id, ev.OrderId, body, now, ev.TraceParent));
            }
            if (order is not null) mailed.Add(new EmailNotifications.Mailed(ev, customer, seller, chain, order));
        }
        deliveries.AddRange(await emails.DeliveriesAsync(db, mailed, windows, now, ct));
        return deliveries;
    }

    /// <summary>These customers and every organization above them, level by level (one statement per level, not per customer).</summary>
    private static async Task<Dictionary<Guid, Organization>> ChainsAsync(AppDbContext db, List<Guid> customerIds, CancellationToken ct)
    {
        var orgs = new Dictionary<Guid, Organization>();
        for (var wanted = customerIds; wanted.Count > 0;)
        {
            var found = await db.Organizations.AsNoTracking().Where(o => wanted.Contains(o.Id)).ToListAsync(ct);
            foreach (var o in found) orgs[o.Id] = o;
            wanted = found.Where(o => o.ParentId is { } p && !orgs.ContainsKey(p)).Select(o => o.ParentId!.Value).Distinct().ToList();
        }
        return orgs;
    }

    /// <summary>The customer and the organizations above it.</summary>
    private static Dictionary<Guid, Organization> Chain(Dictionary<Guid, Organization> orgs, Organization customer)
    {
        var chain = new Dictionary<Guid, Organization> { [customer.Id] = customer };
        for (var parentId = customer.ParentId; parentId is { } id && orgs.TryGetValue(id, out var parent) && chain.TryAdd(id, parent);)
            parentId = parent.ParentId;
        return chain;
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

    /// <summary>
    /// The JSON body for one receiver; null when that receiver must not hear of the event. An order's event
    /// is built from the order read for the batch (<paramref name="order"/>, null when it is gone).
    /// </summary>
    public static async Task<string?> BodyAsync(AppDbContext db, IntegrationEvent ev, CustomerContext ctx, Order? order,
        IReadOnlyDictionary<string, int?> windows, DateTime now, CancellationToken ct)
    {
        if (ev.ConcernsOnlyMarkup && !OrderVisibility.SeesMarkup(ctx)) return null;
        object? data;
        if (ev.SubscriptionId is { } subscriptionId)
        {
            // A subscription changed by an order the receiver cannot see (markup-only) is not told either.
            if (ev.OrderId is not null && (order is null || !OrderVisibility.SeesOrder(ctx, order)))
                return null;
            data = await SubscriptionQueries.DetailAsync(db, ctx, subscriptionId, now, ct) is { } s ? new { subscription = s } : null;
        }
        else if (order is not null)
            data = OrderQueries.DetailFor(ctx, order, windows, now) is { } o ? new { order = o } : null;
        else
            data = null;
        if (data is null) return null;
        return Serialize(ev.EventId, ev.Type, ev.CreatedAt, ev.CustomerId, data);
    }

    public static string Serialize(string eventId, string type, DateTime createdAt, Guid organizationId, object data) =>
        JsonSerializer.Serialize(new { id = eventId, type, createdAt, organizationId, data }, Json);
}

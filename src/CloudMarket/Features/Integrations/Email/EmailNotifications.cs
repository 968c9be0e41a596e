using System.Net;
using System.Text;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using CloudMarket.Features.Integrations.Webhooks;

namespace CloudMarket.Features.Integrations.Email;

/// <summary>
/// Who gets which e-mail (integrations.md): the order's creator — placed, provisioning failed,
/// completed (with errors), failed, rejected; approvers — approval requested; the customer's admins —
/// completed, failed; the seller's account managers — provisioning failed for their customers. Each
/// recipient sees the order as their own role does (OrderQueries), so a customer-level user never
/// gets a mail about a markup item or a markup-only order.
/// </summary>
public sealed class EmailNotifications(IOptions<IntegrationOptions> options)
{
    /// <summary>The event types a user can get an e-mail for, each of which they can turn off.</summary>
    public static readonly IReadOnlyList<string> Types =
    [
        EventTypes.OrderPlaced, EventTypes.OrderApprovalRequested, EventTypes.OrderRejected, EventTypes.OrderProvisioningFailed,
        EventTypes.OrderCompleted, EventTypes.OrderCompletedWithErrors, EventTypes.OrderFailed,
    ];

    private static readonly HashSet<string> ToCreator =
    [
        EventTypes.OrderPlaced, EventTypes.OrderProvisioningFailed, EventTypes.OrderCompleted, EventTypes.OrderCompletedWithErrors,
        EventTypes.OrderFailed, EventTypes.OrderRejected,
    ];

    private static readonly HashSet<string> ToCustomerAdmins = [EventTypes.OrderCompleted, EventTypes.OrderFailed];
    private static readonly HashSet<string> ToAccountManagers = [EventTypes.OrderProvisioningFailed];

    /// <summary>An event of a fan-out batch, with its customer, seller, the organizations above the customer and its order.</summary>
    public sealed record Mailed(IntegrationEvent Event, Organization Customer, Organization Seller, IReadOnlyDictionary<Guid, Organization> Chain, Order Order);

    /// <summary>
    /// One e-mail delivery per recipient of each event (saved with the fan-out). The users of the organizations
    /// involved and their opt-outs are read once for the whole batch.
    /// </summary>
    public async Task<List<Delivery>> DeliveriesAsync(AppDbContext db, IReadOnlyList<Mailed> batch, IReadOnlyDictionary<string, int?> windows,
        DateTime now, CancellationToken ct)
    {
        var mails = new List<Delivery>();
        batch = batch.Where(m => Types.Contains(m.Event.Type)).ToList();
        if (batch.Count == 0) return mails;
        // Every recipient is a user of the customer or an organization above it (others were never mailed).
        var orgIds = batch.SelectMany(m => m.Chain.Keys).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => orgIds.Contains(u.OrganizationId) && u.Email != null).ToDictionaryAsync(u => u.Id, ct);
        var roles = (await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id
                            join u in db.Users on ur.UserId equals u.Id
                            where orgIds.Contains(u.OrganizationId) select new { ur.UserId, r.Name }).ToListAsync(ct))
            .ToLookup(r => r.UserId, r => Enum.Parse<Role>(r.Name!));
        List<Guid> InRole(Guid organizationId, Role role) =>
            users.Values.Where(u => u.OrganizationId == organizationId && roles[u.Id].Contains(role)).Select(u => u.Id).ToList();

        var recipients = batch.Select(m => Recipients(m, InRole)).ToList();
        var everyone = recipients.SelectMany(r => r).Distinct().ToList();
        var types = batch.Select(m => m.Event.Type).Distinct().ToList();
        var optedOut = (await db.Set<EmailOptOut>().Where(o => everyone.Contains(o.UserId) && types.Contains(o.EventType))
            .Select(o => new { o.UserId, o.EventType }).ToListAsync(ct)).Select(o => (o.UserId, o.EventType)).ToHashSet();

        for (var i = 0; i < batch.Count; i++)
        {
            var (ev, customer, seller, chain, order) = batch[i];
            foreach (var user in recipients[i].Where(id => !optedOut.Contains((id, ev.Type))).Select(users.GetValueOrDefault).OfType<AppUser>()
                         .OrderBy(u => u.Email))
            {
                if (!chain.TryGetValue(user.OrganizationId, out var org)) continue;
                var actor = new Actor(user.Id, user.FullName, user.Email!, org.Id, org.Name, org.Type, roles[user.Id].ToList());
                var ctx = new CustomerContext(actor, customer, seller);
                if (ev.ConcernsOnlyMarkup && !OrderVisibility.SeesMarkup(ctx)) continue;
                // Null when this user may not see the order at all (a markup-only order for a customer-level user).
                if (OrderQueries.DetailFor(ctx, order, windows, now) is not { } detail) continue;
                var (subject, text, html) = Render(ev, detail, user.FullName, TimeFormat.ZoneOrUtc(user.TimeZone));
                mails.Add(Delivery.Email(user.Id, user.Email!, ev.EventId, ev.Type, order.Id, subject, text, html, now, ev.TraceParent));
            }
        }
        return mails;
    }

    /// <summary>Who the rules of integrations.md name for this event, before opt-outs.</summary>
    private static HashSet<Guid> Recipients(Mailed m, Func<Guid, Role, List<Guid>> inRole)
    {
        var (ev, customer, seller, order) = (m.Event, m.Customer, m.Seller, m.Order);
        var recipients = new HashSet<Guid>();
        if (ToCreator.Contains(ev.Type)) recipients.Add(order.CreatedByUserId);
        if (ToCustomerAdmins.Contains(ev.Type)) recipients.UnionWith(inRole(customer.Id, Role.CustomerAdmin));
        if (ToAccountManagers.Contains(ev.Type)) recipients.UnionWith(inRole(seller.Id, Role.AccountManager));
        if (ev.Type == EventTypes.OrderApprovalRequested)
        {
            // Every user with a role the rule names, in the customer or its seller (as the role's level says), but the
            // creator and the one who asked: nobody approves their own order (ApprovalRules.DecisionRefusal).
            foreach (var role in (order.ApprovalApprovers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<Role>))
                recipients.UnionWith(inRole(Permissions.LevelOf(role) == OrganizationType.Customer ? customer.Id : seller.Id, role));
            recipients.Remove(order.CreatedByUserId);
            if (order.ApprovalRequestedByUserId is { } requester) recipients.Remove(requester);
        }
        return recipients;
    }

    private static string WhatHappened(string type) => type switch
    {
        EventTypes.OrderPlaced => "was placed",
        EventTypes.OrderApprovalRequested => "needs your approval",
        EventTypes.OrderRejected => "was rejected",
        EventTypes.OrderProvisioningFailed => "failed at a vendor and needs your attention",
        EventTypes.OrderCompleted => "is completed",
        EventTypes.OrderCompletedWithErrors => "is completed with errors",
        EventTypes.OrderFailed => "failed",
        _ => "changed",
    };

    /// <summary>
    /// The plain-text and HTML parts: the order's number and name, what changed and when (in the
    /// recipient's time zone, the pages' format), the vendors' reasons, a link.
    /// </summary>
    public (string Subject, string Text, string Html) Render(IntegrationEvent ev, OrderDetailDto order, string recipientName, TimeZoneInfo zone)
    {
        var when = TimeFormat.WithZone(ev.CreatedAt, zone);
        var what = WhatHappened(ev.Type);
        var subject = $"Order #{order.Id} \"{order.Name}\" {what}";
        var link = $"{options.Value.PublicBaseUrl.TrimEnd('/')}/orders/{order.Id}";
        var reasons = order.Items.Where(i => i.Error is not null)
            .Select(i => $"{i.OfferName} ({i.Vendor}): {i.Error!.Message} [{i.Error.Code}]").ToList();
        var change = ev.Reason ?? "";

        var text = new StringBuilder()
            .AppendLine($"Hello {recipientName},").AppendLine()
            .AppendLine($"Order #{order.Id} \"{order.Name}\" {what}.")
            .AppendLine($"What changed: {change}")
            .AppendLine($"When: {when}");
        if (reasons.Count > 0)
        {
            text.AppendLine().AppendLine("The vendors' reasons:");
            foreach (var r in reasons) text.AppendLine($"- {r}");
        }
        text.AppendLine().AppendLine($"Open the order: {link}").AppendLine()
            .AppendLine("You get this e-mail because of your notification settings in CloudMarket; you can turn it off there.");

        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
            .Append($"<p>Hello {E(recipientName)},</p>")
            .Append($"<p>Order <strong>#{order.Id} &ldquo;{E(order.Name)}&rdquo;</strong> {E(what)}.</p>")
            .Append($"<p>What changed: {E(change)}<br>When: {E(when)}</p>");
        if (reasons.Count > 0)
            html.Append("<p>The vendors' reasons:</p><ul>").Append(string.Concat(reasons.Select(r => $"<li>{E(r)}</li>"))).Append("</ul>");
        html.Append($"<p><a href=\"{E(link)}\">Open the order</a></p>")
            .Append("<p style=\"color:#666;font-size:small\">You get this e-mail because of your notification settings in CloudMarket; you can turn it off there.</p>")
            .Append("</body></html>");
        return (subject, text.ToString(), html.ToString());
    }

    /// <summary>The mail to an endpoint's owner when it is disabled after failing for days (always sent: it cannot be turned off).</summary>
    public (string Subject, string Text, string Html) RenderEndpointDisabled(Webhooks.WebhookEndpoint endpoint, string recipientName)
    {
        var link = $"{options.Value.PublicBaseUrl.TrimEnd('/')}/webhooks";
        var subject = $"Webhook endpoint {endpoint.Url} was disabled";
        var text = $"Hello {recipientName},\n\nCloudMarket could not deliver events to {endpoint.Url} and has disabled the endpoint.\n" +
                   $"{endpoint.DisabledReason}\n\nFix the receiver, enable the endpoint again and redeliver what it missed: {link}\n";
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = $"<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><p>Hello {E(recipientName)},</p>" +
                   $"<p>CloudMarket could not deliver events to <code>{E(endpoint.Url)}</code> and has disabled the endpoint.</p>" +
                   $"<p>{E(endpoint.DisabledReason ?? "")}</p><p><a href=\"{E(link)}\">Fix the receiver, enable the endpoint again and redeliver what it missed</a></p></body></html>";
        return (subject, text, html);
    }
}

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

    /// <summary>Adds one e-mail delivery per recipient of the event to the context (saved with the fan-out).</summary>
    public async Task AddAsync(AppDbContext db, IntegrationEvent ev, Organization customer, Organization seller, IReadOnlyDictionary<Guid, Organization> orgs,
        DateTime now, CancellationToken ct)
    {
        if (ev.OrderId is not { } orderId || !Types.Contains(ev.Type)) return;
        var placed = await db.Orders.AsNoTracking().Where(o => o.Id == orderId)
            .Select(o => new { o.CreatedByUserId, o.ApprovalRequestedByUserId, o.ApprovalApprovers }).SingleOrDefaultAsync(ct);
        if (placed is null) return;

        var recipients = new HashSet<Guid>();
        if (ToCreator.Contains(ev.Type)) recipients.Add(placed.CreatedByUserId);
        if (ToCustomerAdmins.Contains(ev.Type))
            recipients.UnionWith(await UsersInRoleAsync(db, customer.Id, Role.CustomerAdmin, ct));
        if (ToAccountManagers.Contains(ev.Type))
            recipients.UnionWith(await UsersInRoleAsync(db, seller.Id, Role.AccountManager, ct));
        if (ev.Type == EventTypes.OrderApprovalRequested)
        {
            // Every user with a role the rule names, in the customer or its seller (as the role's level says), but the
            // creator and the one who asked: nobody approves their own order (ApprovalRules.DecisionRefusal).
            foreach (var role in (placed.ApprovalApprovers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<Role>))
                recipients.UnionWith(await UsersInRoleAsync(db, Permissions.LevelOf(role) == OrganizationType.Customer ? customer.Id : seller.Id, role, ct));
            recipients.Remove(placed.CreatedByUserId);
            if (placed.ApprovalRequestedByUserId is { } requester) recipients.Remove(requester);
        }
        if (recipients.Count == 0) return;

        var optedOut = await db.Set<EmailOptOut>().Where(o => recipients.Contains(o.UserId) && o.EventType == ev.Type)
            .Select(o => o.UserId).ToListAsync(ct);
        recipients.ExceptWith(optedOut);
        var users = await db.Users.AsNoTracking().Where(u => recipients.Contains(u.Id) && u.Email != null).ToListAsync(ct);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id
                           where recipients.Contains(ur.UserId) select new { ur.UserId, r.Name }).ToListAsync(ct);
        // The order is read once for all recipients; each sees it as their own role does.
        Order? loaded = null;
        foreach (var user in users.OrderBy(u => u.Email))
        {
            if (!orgs.TryGetValue(user.OrganizationId, out var org)) continue;
            var actor = new Actor(user.Id, user.FullName, user.Email!, org.Id, org.Name, org.Type,
                roles.Where(r => r.UserId == user.Id).Select(r => Enum.Parse<Role>(r.Name!)).ToList());
            var ctx = new CustomerContext(actor, customer, seller);
            if (ev.ConcernsOnlyMarkup && !OrderVisibility.SeesMarkup(ctx)) continue;
            // Null when this user may not see the order at all (a markup-only order for a customer-level user).
            loaded ??= await OrderQueries.LoadForDetailsAsync(db, orderId, ct);
            if (loaded is null) return;
            if (await OrderQueries.DetailForAsync(db, ctx, loaded, now, ct) is not { } order) continue;
            var (subject, text, html) = Render(ev, order, user.FullName, TimeFormat.ZoneOrUtc(user.TimeZone));
            db.Add(Delivery.Email(user.Id, user.Email!, ev.EventId, ev.Type, orderId, subject, text, html, now, ev.TraceParent));
        }
    }

    private static async Task<List<Guid>> UsersInRoleAsync(AppDbContext db, Guid organizationId, Role role, CancellationToken ct)
    {
        var name = role.ToString();
        return await (from u in db.Users
                      join ur in db.UserRoles on u.Id equals ur.UserId
                      join r in db.Roles on ur.RoleId equals r.Id
                      where u.OrganizationId == organizationId && r.Name == name
                      select u.Id).ToListAsync(ct);
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

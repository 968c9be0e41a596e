using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations.Email;

/// <summary><c>{ "email": { "order.provisioningFailed": true, … } }</c>: every type a user can be e-mailed about, on or off.</summary>
public sealed record NotificationSettingsDto(IReadOnlyDictionary<string, bool> Email);

/// <summary><c>GET|PUT /api/v1/me/notifications</c>. A PUT may name some types only; the others stay as they are.</summary>
public static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/me/notifications").WithTags("Identity");
        group.MapGet("/", async (Actor actor, AppDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await GetAsync(db, actor.UserId, ct))).WithName("GetNotificationSettings")
            .WithSummary("The caller's e-mail notification settings")
            .WithDescription("Every event type the caller can be e-mailed about, on (`true`) or off.")
            .WithResponseDescription(StatusCodes.Status200OK, "The settings under `email`.");
        group.MapPut("/", Put).WithName("PutNotificationSettings")
            .WithSummary("Turn e-mail notifications on or off")
            .WithDescription("Sets the named event types on or off; types not named stay as they are.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status200OK, "All settings after the change.")
            .ProducesValidationProblemWhen("The body is not `{ \"email\": { type: true|false } }` or names an unknown type; `errors` names each.");
        return api;
    }

    private static async Task<Ok<NotificationSettingsDto>> Put(JsonElement? body, Actor actor, AppDbContext db, CancellationToken ct)
    {
        if (body is not { ValueKind: JsonValueKind.Object } b || !b.TryGetProperty("email", out var email) || email.ValueKind != JsonValueKind.Object)
            throw RequestValidationException.For("email", "An object of event types and true/false, e.g. { \"email\": { \"order.placed\": false } }.");
        var errors = new ValidationErrors();
        var wanted = new Dictionary<string, bool>();
        foreach (var p in email.EnumerateObject())
        {
            if (!EmailNotifications.Types.Contains(p.Name))
                errors.Add($"email.{p.Name}", $"Not an e-mail notification. Known: {string.Join(", ", EmailNotifications.Types)}.");
            else if (p.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                errors.Add($"email.{p.Name}", "Must be true or false.");
            else
                wanted[p.Name] = p.Value.GetBoolean();
        }
        errors.ThrowIfAny();
        await SetAsync(db, actor.UserId, wanted, ct);
        return TypedResults.Ok(await GetAsync(db, actor.UserId, ct));
    }

    public static async Task<NotificationSettingsDto> GetAsync(AppDbContext db, Guid userId, CancellationToken ct)
    {
        var off = await db.Set<EmailOptOut>().AsNoTracking().Where(o => o.UserId == userId).Select(o => o.EventType).ToListAsync(ct);
        return new NotificationSettingsDto(EmailNotifications.Types.ToDictionary(t => t, t => !off.Contains(t)));
    }

    /// <summary>Turns the named types on or off for the user (the page uses it too).</summary>
    public static async Task SetAsync(AppDbContext db, Guid userId, IReadOnlyDictionary<string, bool> wanted, CancellationToken ct)
    {
        var existing = await db.Set<EmailOptOut>().Where(o => o.UserId == userId).ToListAsync(ct);
        foreach (var (type, on) in wanted)
        {
            var row = existing.FirstOrDefault(o => o.EventType == type);
            if (on && row is not null) db.Remove(row);
            if (!on && row is null) db.Add(new EmailOptOut(userId, type));
        }
        await db.SaveChangesAsync(ct);
    }
}

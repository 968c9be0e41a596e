using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Integrations.Webhooks;

public sealed record WebhookDto(long Id, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled, string? DisabledReason,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>Create and rotate-secret answers: the only places the secret is ever shown.</summary>
public sealed record WebhookWithSecretDto(long Id, string Url, IReadOnlyList<string> Events, string? Description, bool Enabled,
    string? DisabledReason, DateTime CreatedAt, DateTime UpdatedAt, string Secret);

public sealed record WebhookListDto(IReadOnlyList<WebhookDto> Items);

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

/// <summary>Only the fields present change.</summary>
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

/// <summary>One attempt of the delivery log.</summary>
public sealed record DeliveryAttemptDto(long Id, long DeliveryId, string EventId, string EventType, DateTime At, string Outcome, int? StatusCode,
    long DurationMs, string? Error, DateTime? NextRetryAt);

public sealed record DeliveryAttemptListDto(IReadOnlyList<DeliveryAttemptDto> Items);

public sealed record DeliveryQueuedDto(long DeliveryId, string EventId, string EventType);

/// <summary>
/// integrations.md, Webhooks: a distributor, seller or customer admin manages the endpoints of their own
/// organization. Other roles get 403; another organization's endpoint is 404. Pages call the same methods.
/// </summary>
public static class WebhooksApi
{
    public const int MaxDeliveriesListed = 200;

    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhooks").WithTags("Webhooks")
            .WithParameter("id", "The webhook endpoint's id.")
            .WithParameter("deliveryId", "The id of a delivery of that endpoint, from its delivery log.");
        const string NotAdmin = "The caller is not a distributor, seller or customer admin.";
        const string NoSuchWebhook = "No endpoint with this id belongs to the caller's organization.";
        const string BadEndpoint = "The URL is not an absolute `https` URL of a public host, or an event type is unknown; `errors` names each field.";
        group.MapPost("/", Create).WithName("CreateWebhook")
            .WithSummary("Add a webhook endpoint")
            .WithDescription("Adds an endpoint of the caller's organization that receives the named event types (all when none are named), " +
                "signed with a new secret. The answer is the only time, besides a rotation, that the secret is shown.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status201Created, "The new endpoint with its `secret`.")
            .ProducesValidationProblemWhen(BadEndpoint)
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin);
        group.MapGet("/", List).WithName("ListWebhooks")
            .WithSummary("The organization's webhook endpoints")
            .WithDescription("Every endpoint of the caller's organization, without secrets.")
            .WithResponseDescription(StatusCodes.Status200OK, "The endpoints under `items`.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin);
        group.MapGet("/{id:long}", Get).WithName("GetWebhook")
            .WithSummary("One webhook endpoint")
            .WithDescription("The endpoint, without its secret; `disabledReason` says why a disabled one was turned off.")
            .WithResponseDescription(StatusCodes.Status200OK, "The endpoint.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapPatch("/{id:long}", Update).WithName("UpdateWebhook")
            .WithSummary("Change a webhook endpoint")
            .WithDescription("Changes only the fields present: `url`, `events`, `description`, `enabled` (enabling a disabled endpoint clears its reason).")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status200OK, "The endpoint as changed.")
            .ProducesValidationProblemWhen(BadEndpoint)
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapDelete("/{id:long}", Delete).WithName("DeleteWebhook")
            .WithSummary("Remove a webhook endpoint")
            .WithDescription("Removes the endpoint with its pending deliveries and their log.")
            .WithResponseDescription(StatusCodes.Status204NoContent, "Removed.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapPost("/{id:long}/rotate-secret", Rotate).WithName("RotateWebhookSecret")
            .WithSummary("Rotate a webhook endpoint's secret")
            .WithDescription("Replaces the signing secret; deliveries from now on are signed with the new one.")
            .WithResponseDescription(StatusCodes.Status200OK, "The endpoint with its new `secret`.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapPost("/{id:long}/test", Test).WithName("TestWebhook")
            .WithSummary("Send a test event")
            .WithDescription("Queues a signed `webhook.test` event to the endpoint; its attempts appear in the delivery log.")
            .WithResponseDescription(StatusCodes.Status202Accepted, "The queued delivery.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapGet("/{id:long}/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's delivery log")
            .WithDescription("The latest delivery attempts to the endpoint, newest first: outcome, status code, duration, error and next retry.")
            .WithParameter("limit", $"Attempts to list, 1 to {MaxDeliveriesListed} (default 50).")
            .WithResponseDescription(StatusCodes.Status200OK, "The attempts under `items`.")
            .ProducesValidationProblemWhen("`limit` is out of range.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchWebhook);
        group.MapPost("/{id:long}/deliveries/{deliveryId:long}/redeliver", Redeliver).WithName("RedeliverWebhook")
            .WithSummary("Send a delivery again")
            .WithDescription("Queues the same event, with the same body and event id, to the endpoint once more.")
            .WithResponseDescription(StatusCodes.Status202Accepted, "The queued delivery.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAdmin)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, "No such endpoint of the caller's organization, or no such delivery of it.");
        return api;
    }

    private static async Task<Created<WebhookWithSecretDto>> Create(CreateWebhookRequest? body, Actor actor, AppDbContext db, WebhookTargetGuard guard,
        WebhookSecrets secrets, TimeProvider clock, CancellationToken ct)
    {
        var (endpoint, secret) = await WebhookCommands.CreateAsync(db, actor, guard, secrets, clock, body, ct);
        return TypedResults.Created($"/api/v1/webhooks/{endpoint.Id}", WithSecret(endpoint, secret));
    }

    private static async Task<Ok<WebhookListDto>> List(Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new WebhookListDto((await WebhookCommands.ListAsync(db, actor, ct)).Select(ToDto).ToList()));

    private static async Task<Ok<WebhookDto>> Get(long id, Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(ToDto(await WebhookCommands.FindAsync(db, actor, id, ct)));

    private static async Task<Ok<WebhookDto>> Update(long id, UpdateWebhookRequest? body, Actor actor, AppDbContext db, WebhookTargetGuard guard,
        TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(ToDto(await WebhookCommands.UpdateAsync(db, actor, guard, clock, id, body, ct)));

    private static async Task<NoContent> Delete(long id, Actor actor, AppDbContext db, CancellationToken ct)
    {
        var endpoint = await WebhookCommands.FindAsync(db, actor, id, ct);
        db.Remove(endpoint);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<WebhookWithSecretDto>> Rotate(long id, Actor actor, AppDbContext db, WebhookSecrets secrets, TimeProvider clock,
        CancellationToken ct)
    {
        var (endpoint, secret) = await WebhookCommands.RotateSecretAsync(db, actor, secrets, clock, id, ct);
        return TypedResults.Ok(WithSecret(endpoint, secret));
    }

    private static async Task<Accepted<DeliveryQueuedDto>> Test(long id, Actor actor, AppDbContext db, TimeProvider clock, IntegrationSignal signal,
        CancellationToken ct)
    {
        var delivery = await WebhookCommands.SendTestAsync(db, actor, clock, signal, id, ct);
        return TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries", new DeliveryQueuedDto(delivery.Id, delivery.EventId, delivery.EventType));
    }

    private static async Task<Ok<DeliveryAttemptListDto>> Deliveries(long id, Actor actor, AppDbContext db, CancellationToken ct, int? limit = null)
    {
        if (limit is < 1 or > MaxDeliveriesListed)
            throw RequestValidationException.For("limit", $"Between 1 and {MaxDeliveriesListed}.");
        return TypedResults.Ok(new DeliveryAttemptListDto(await WebhookCommands.AttemptsAsync(db, actor, id, limit ?? 50, ct)));
    }

    private static async Task<Accepted<DeliveryQueuedDto>> Redeliver(long id, long deliveryId, Actor actor, AppDbContext db, TimeProvider clock,
        IntegrationSignal signal, CancellationToken ct)
    {
        var delivery = await WebhookCommands.RedeliverAsync(db, actor, clock, signal, id, deliveryId, ct);
        return TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries", new DeliveryQueuedDto(delivery.Id, delivery.EventId, delivery.EventType));
    }

    public static WebhookDto ToDto(WebhookEndpoint e) =>
        new(e.Id, e.Url, e.EventList, e.Description, e.Enabled, e.DisabledReason, e.CreatedAt, e.UpdatedAt);

    private static WebhookWithSecretDto WithSecret(WebhookEndpoint e, string secret) =>
        new(e.Id, e.Url, e.EventList, e.Description, e.Enabled, e.DisabledReason, e.CreatedAt, e.UpdatedAt, secret);
}

/// <summary>Every change to webhook endpoints, for the API and the Webhooks page alike.</summary>
public static class WebhookCommands
{
    public static bool MayManage(Actor actor) => Permissions.CanManageWebhooks(actor.Roles);

    private static void EnsureMayManage(Actor actor)
    {
        if (!MayManage(actor))
            throw new ForbiddenException("Only distributor, seller and customer admins manage webhooks.");
    }

    public static async Task<List<WebhookEndpoint>> ListAsync(AppDbContext db, Actor actor, CancellationToken ct)
    {
        EnsureMayManage(actor);
        return await db.Set<WebhookEndpoint>().AsNoTracking().Where(e => e.OrganizationId == actor.OrganizationId).OrderBy(e => e.Id).ToListAsync(ct);
    }

    /// <summary>An endpoint of the caller's own organization (tracked); 404 for anyone else's.</summary>
    public static async Task<WebhookEndpoint> FindAsync(AppDbContext db, Actor actor, long id, CancellationToken ct)
    {
        EnsureMayManage(actor);
        return await db.Set<WebhookEndpoint>().SingleOrDefaultAsync(e => e.Id == id && e.OrganizationId == actor.OrganizationId, ct)
               ?? throw new NotFoundException("The webhook");
    }

    /// <summary>Creates an endpoint; the answer carries its plain secret, the only time anyone sees it.</summary>
    public static async Task<(WebhookEndpoint Endpoint, string Secret)> CreateAsync(AppDbContext db, Actor actor, WebhookTargetGuard guard,
        WebhookSecrets secrets, TimeProvider clock, CreateWebhookRequest? body, CancellationToken ct)
    {
        EnsureMayManage(actor);
        if (body is null) throw RequestValidationException.For("body", "A JSON body with url and events is required.");
        var errors = new ValidationErrors();
        var url = await ValidUrlAsync(body.Url, guard, errors, ct);
        var events = ValidEvents(body.Events, errors);
        var description = ValidDescription(body.Description, errors);
        errors.ThrowIfAny();
        var secret = secrets.Issue();
        var endpoint = new WebhookEndpoint(actor.OrganizationId, url!, events!, description, actor.UserId, secret, clock.GetUtcNow().UtcDateTime);
        db.Add(endpoint);
        await db.SaveChangesAsync(ct);
        return (endpoint, secret.Secret);
    }

    public static async Task<WebhookEndpoint> UpdateAsync(AppDbContext db, Actor actor, WebhookTargetGuard guard, TimeProvider clock, long id,
        UpdateWebhookRequest? body, CancellationToken ct)
    {
        // A request without a body is malformed whatever it names: 400 before looking the endpoint up (as the orders API does).
        if (body is null) throw RequestValidationException.For("body", "A JSON body is required.");
        var endpoint = await FindAsync(db, actor, id, ct);
        var errors = new ValidationErrors();
        var url = body.Url is null ? null : await ValidUrlAsync(body.Url, guard, errors, ct);
        var events = body.Events is null ? null : ValidEvents(body.Events, errors);
        var description = ValidDescription(body.Description, errors);
        errors.ThrowIfAny();
        if (url is not null) endpoint.Url = url;
        if (events is not null) endpoint.SetEvents(events);
        if (body.Description is not null) endpoint.Description = description;
        if (body.Enabled is { } enabled)
        {
            endpoint.Enabled = enabled;
            if (enabled) endpoint.DisabledReason = null;
        }
        endpoint.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return endpoint;
    }

    /// <summary>Replaces the endpoint's secret at once; the answer carries the new plain secret, the only time anyone sees it.</summary>
    public static async Task<(WebhookEndpoint Endpoint, string Secret)> RotateSecretAsync(AppDbContext db, Actor actor, WebhookSecrets secrets,
        TimeProvider clock, long id, CancellationToken ct)
    {
        var endpoint = await FindAsync(db, actor, id, ct);
        var secret = secrets.Issue();
        endpoint.RotateSecret(secret);
        endpoint.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return (endpoint, secret.Secret);
    }

    /// <summary>A webhook.test event, sent now whether or not the endpoint subscribes to it.</summary>
    public static async Task<Delivery> SendTestAsync(AppDbContext db, Actor actor, TimeProvider clock, IntegrationSignal signal, long id, CancellationToken ct)
    {
        var endpoint = await FindAsync(db, actor, id, ct);
        if (!endpoint.Enabled) throw new DomainException("The webhook is disabled; enable it first.");
        var now = clock.GetUtcNow().UtcDateTime;
        var eventId = IntegrationEvent.NewEventId();
        var body = EventFanOut.Serialize(eventId, EventTypes.WebhookTest, now, endpoint.OrganizationId,
            new { webhook = new { id = endpoint.Id, url = endpoint.Url }, message = $"A test event sent by {actor.Name}." });
        var delivery = Delivery.Webhook(endpoint.Id, eventId, EventTypes.WebhookTest, null, null, body, now, System.Diagnostics.Activity.Current?.Id);
        db.Add(delivery);
        await db.SaveChangesAsync(ct);
        signal.NotifyDeliveries();
        return delivery;
    }

    /// <summary>The same event (same id and body) sent again now, outside its order's sequence.</summary>
    public static async Task<Delivery> RedeliverAsync(AppDbContext db, Actor actor, TimeProvider clock, IntegrationSignal signal, long id, long deliveryId,
        CancellationToken ct)
    {
        var endpoint = await FindAsync(db, actor, id, ct);
        if (!endpoint.Enabled) throw new DomainException("The webhook is disabled; enable it first.");
        var original = await db.Set<Delivery>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpoint.Id, ct)
                       ?? throw new NotFoundException("The delivery");
        var copy = original.CopyForRedelivery(clock.GetUtcNow().UtcDateTime);
        db.Add(copy);
        await db.SaveChangesAsync(ct);
        signal.NotifyDeliveries();
        return copy;
    }

    public static async Task<List<DeliveryAttemptDto>> AttemptsAsync(AppDbContext db, Actor actor, long id, int limit, CancellationToken ct)
    {
        var endpoint = await FindAsync(db, actor, id, ct);
        return await (from a in db.Set<DeliveryAttempt>().AsNoTracking()
                      join d in db.Set<Delivery>() on a.DeliveryId equals d.Id
                      where a.EndpointId == endpoint.Id
                      orderby a.Id descending
                      select new DeliveryAttemptDto(a.Id, d.Id, d.EventId, d.EventType, a.At, a.Error == null ? "succeeded" : "failed",
                          a.StatusCode, a.DurationMs, a.Error, a.NextRetryAt))
            .Take(limit).ToListAsync(ct);
    }

    private static async Task<string?> ValidUrlAsync(string? value, WebhookTargetGuard guard, ValidationErrors errors, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > WebhookEndpoint.MaxUrlLength
            || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url) || url.IsFile || string.IsNullOrEmpty(url.Host))
        {
            errors.Add("url", $"An absolute https URL of at most {WebhookEndpoint.MaxUrlLength} characters.");
            return null;
        }
        if (await guard.ProblemAsync(url, ct) is { } problem)
        {
            errors.Add("url", problem);
            return null;
        }
        return url.ToString();
    }

    private static List<string>? ValidEvents(IReadOnlyList<string>? events, ValidationErrors errors)
    {
        if (events is null || events.Count == 0)
        {
            errors.Add("events", "At least one event type, or [\"*\"] for all.");
            return null;
        }
        var unknown = events.Where(e => e != EventTypes.Wildcard && !EventTypes.All.Contains(e)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add("events", $"Unknown event type(s): {string.Join(", ", unknown.Select(u => u ?? "null"))}. Known: {string.Join(", ", EventTypes.All)}, or *.");
            return null;
        }
        return events.Contains(EventTypes.Wildcard) ? [EventTypes.Wildcard] : events.Distinct().ToList();
    }

    private static string? ValidDescription(string? description, ValidationErrors errors)
    {
        if (description is { Length: > WebhookEndpoint.MaxDescriptionLength })
            errors.Add("description", $"At most {WebhookEndpoint.MaxDescriptionLength} characters.");
        return string.IsNullOrWhiteSpace(description) ? null : description.Trim();
    }
}

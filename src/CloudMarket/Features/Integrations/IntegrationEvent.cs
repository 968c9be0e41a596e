using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Integrations;

/// <summary>
/// The integrations outbox row: something happened that webhooks and e-mails may have to tell.
/// Written by <see cref="IntegrationEventRecorder"/> in the same transaction as the change itself, then
/// fanned out by the <see cref="IntegrationDispatcher"/> into one <see cref="Delivery"/> per webhook
/// endpoint and e-mail recipient. One outbox for every kind of delivery.
/// </summary>
public sealed class IntegrationEvent
{
    private IntegrationEvent() { }

    public IntegrationEvent(string type, Guid customerId, long? orderId, Guid? subscriptionId, string? reason,
        bool concernsOnlyMarkup, DateTime now, string? traceParent)
    {
        EventId = NewEventId();
        Type = type;
        CustomerId = customerId;
        OrderId = orderId;
        SubscriptionId = subscriptionId;
        Reason = reason is { Length: > 4000 } ? reason[..4000] : reason;
        ConcernsOnlyMarkup = concernsOnlyMarkup;
        CreatedAt = now;
        DueAt = now;
        TraceParent = traceParent;
    }

    public static string NewEventId() => "evt_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Also the order in which events happened: deliveries of one order are sent in this order.</summary>
    public long Id { get; private set; }

    /// <summary>The public id, <c>evt_…</c>: the same in every delivery of this event (receivers deduplicate on it).</summary>
    public string EventId { get; private set; } = "";
    public string Type { get; private set; } = "";
    public Guid CustomerId { get; private set; }
    public long? OrderId { get; private set; }
    public Guid? SubscriptionId { get; private set; }

    /// <summary>The order event's reason (what changed), as recorded in the order's history.</summary>
    public string? Reason { get; private set; }

    /// <summary>About markup only: customer-level receivers never hear of it.</summary>
    public bool ConcernsOnlyMarkup { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>W3C traceparent of the activity that made the change, so deliveries join the order's trace.</summary>
    public string? TraceParent { get; private set; }

    // Claiming, as provisioning jobs are claimed (IntegrationQueue).
    public DateTime DueAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>Incremented by every claim; a concurrency token, so a worker whose lease was taken over cannot fan out twice.</summary>
    public int Attempts { get; set; }

    /// <summary>Set when the deliveries were created (in the same transaction).</summary>
    public DateTime? DispatchedAt { get; set; }
}

[JsonConverter(typeof(ApiEnumConverter<DeliveryChannel>))]
public enum DeliveryChannel { Webhook, Email }

[JsonConverter(typeof(ApiEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus { Pending, Succeeded, Failed }

/// <summary>
/// One thing to send: an event to one webhook endpoint, or one e-mail. The body is fixed when the
/// delivery is created, so every retry sends the same bytes (only the signature's timestamp changes).
/// </summary>
public sealed class Delivery
{
    private Delivery() { }

    public static Delivery Webhook(long endpointId, string eventId, string eventType, long? sequence, long? orderId, string body,
        DateTime now, string? traceParent) => new()
    {
        Channel = DeliveryChannel.Webhook, EndpointId = endpointId, EventId = eventId, EventType = eventType,
        Sequence = sequence ?? 0, Sequenced = sequence is not null && orderId is not null, OrderId = orderId, Body = body,
        CreatedAt = now, DueAt = now, TraceParent = traceParent,
    };

    public static Delivery Email(Guid? userId, string to, string eventId, string eventType, long? orderId, string subject, string text,
        string html, DateTime now, string? traceParent) => new()
    {
        Channel = DeliveryChannel.Email, RecipientUserId = userId, EmailTo = to, EventId = eventId, EventType = eventType,
        OrderId = orderId, Subject = subject, Body = text, HtmlBody = html, CreatedAt = now, DueAt = now, TraceParent = traceParent,
    };

    /// <summary>The same event sent again now, outside the per-order sequence (redeliver).</summary>
    public Delivery CopyForRedelivery(DateTime now) => new()
    {
        Channel = Channel, EndpointId = EndpointId, RecipientUserId = RecipientUserId, EmailTo = EmailTo, EventId = EventId,
        EventType = EventType, OrderId = OrderId, Subject = Subject, Body = Body, HtmlBody = HtmlBody, CreatedAt = now, DueAt = now,
        TraceParent = TraceParent,
    };

    public long Id { get; private set; }
    public DeliveryChannel Channel { get; private set; }
    public long? EndpointId { get; private set; }
    public Guid? RecipientUserId { get; private set; }
    public string? EmailTo { get; private set; }
    public string EventId { get; private set; } = "";
    public string EventType { get; private set; } = "";
    public long? OrderId { get; private set; }

    /// <summary>The outbox event's id: deliveries of one order to one endpoint go out in this order.</summary>
    public long Sequence { get; private set; }

    /// <summary>False for tests and redeliveries: they neither wait for nor hold up the order's other deliveries.</summary>
    public bool Sequenced { get; private set; }

    /// <summary>Webhook: the JSON body. E-mail: the plain-text part.</summary>
    public string Body { get; private set; } = "";
    public string? Subject { get; private set; }
    public string? HtmlBody { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public string? TraceParent { get; private set; }

    public DeliveryStatus Status { get; set; }
    public DateTime DueAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>Claims (a concurrency token: a worker whose lease was taken over records nothing).</summary>
    public int Attempts { get; set; }

    /// <summary>Attempts that got an answer other than success (the retry schedule's position).</summary>
    public int Failures { get; set; }
    public DateTime? FirstAttemptAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>
/// The delivery log: one row per webhook call, whatever its outcome, and per failed mail (a mail's successful attempt
/// is its delivery's ending; <c>IntegrationDispatcher.IsLogged</c>).
/// </summary>
public sealed class DeliveryAttempt
{
    private DeliveryAttempt() { }

    public DeliveryAttempt(long deliveryId, long? endpointId, DateTime at, int? statusCode, long durationMs, string? error, DateTime? nextRetryAt)
    {
        DeliveryId = deliveryId;
        EndpointId = endpointId;
        At = at;
        StatusCode = statusCode;
        DurationMs = durationMs;
        Error = error is { Length: > 1000 } ? error[..1000] : error;
        NextRetryAt = nextRetryAt;
    }

    public long Id { get; private set; }
    public long DeliveryId { get; private set; }
    public long? EndpointId { get; private set; }
    public DateTime At { get; private set; }
    public int? StatusCode { get; private set; }
    public long DurationMs { get; private set; }
    public string? Error { get; private set; }
    public DateTime? NextRetryAt { get; private set; }
    public bool Succeeded => Error is null;
}

namespace CloudMarket.Features.Orders;

/// <summary>One entry of an order's history: a transition, or a change within a status (items, note).</summary>
public sealed class OrderEvent
{
    private OrderEvent() { }

    internal OrderEvent(DateTime at, OrderStatus? from, OrderStatus to, EventActor? actor, string reason, bool concernsOnlyMarkup)
    {
        At = at;
        FromStatus = from;
        ToStatus = to;
        ActorUserId = actor?.UserId;
        ActorName = actor?.Name;
        ActorOrganizationId = actor?.OrganizationId;
        ActorOrganizationName = actor?.OrganizationName;
        Reason = reason;
        ConcernsOnlyMarkup = concernsOnlyMarkup;
    }

    public long Id { get; private set; }
    public long OrderId { get; private set; }
    public DateTime At { get; private set; }
    public OrderStatus? FromStatus { get; private set; }
    public OrderStatus ToStatus { get; private set; }

    /// <summary>Null for the system (the provisioning worker).</summary>
    public Guid? ActorUserId { get; private set; }
    public string? ActorName { get; private set; }
    public Guid? ActorOrganizationId { get; private set; }
    public string? ActorOrganizationName { get; private set; }
    public string Reason { get; private set; } = "";

    /// <summary>An event about markup changes only, or the internal note; customer-level users never see it.</summary>
    public bool ConcernsOnlyMarkup { get; private set; }
}

/// <summary>Who did something to an order; null stands for the system.</summary>
public sealed record EventActor(Guid UserId, string Name, Guid OrganizationId, string OrganizationName);

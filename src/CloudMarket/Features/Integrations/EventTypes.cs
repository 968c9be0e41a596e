using CloudMarket.Features.Orders;

namespace CloudMarket.Features.Integrations;

/// <summary>The event types of integrations.md, and which order transition raises which.</summary>
public static class EventTypes
{
    public const string OrderPlaced = "order.placed";
    public const string OrderScheduled = "order.scheduled";
    public const string OrderApprovalRequested = "order.approvalRequested";
    public const string OrderApproved = "order.approved";
    public const string OrderRejected = "order.rejected";
    public const string OrderCancelled = "order.cancelled";
    public const string OrderProvisioningStarted = "order.provisioningStarted";
    public const string OrderProvisioningFailed = "order.provisioningFailed";
    public const string OrderCompleted = "order.completed";
    public const string OrderCompletedWithErrors = "order.completedWithErrors";
    public const string OrderFailed = "order.failed";
    public const string OrderNoteChanged = "order.noteChanged";
    public const string SubscriptionChanged = "subscription.changed";
    public const string WebhookTest = "webhook.test";

    /// <summary>Every type a webhook may subscribe to.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        OrderPlaced, OrderScheduled, OrderApprovalRequested, OrderApproved, OrderRejected, OrderCancelled,
        OrderProvisioningStarted, OrderProvisioningFailed, OrderCompleted, OrderCompletedWithErrors, OrderFailed,
        OrderNoteChanged, SubscriptionChanged, WebhookTest,
    ];

    public const string Wildcard = "*";

    /// <summary>
    /// The event an order transition raises; null for transitions integrators are not told about (carts, drafts, the
    /// instant provisioningFinished, a scheduled order's moment coming: provisioningStarted follows at once). Placing
    /// raises placed, scheduled or approvalRequested; a decision approved (whether it then runs now or is scheduled) or rejected.
    /// </summary>
    public static string? ForTransition(OrderStatus? from, OrderStatus to) => from == to ? null : (from, to) switch
    {
        (OrderStatus.PendingApproval, OrderStatus.InProgress or OrderStatus.Scheduled) => OrderApproved,
        (OrderStatus.Scheduled, OrderStatus.InProgress) => null,
        (_, OrderStatus.Scheduled) => OrderScheduled,
        (_, OrderStatus.PendingApproval) => OrderApprovalRequested,
        (_, OrderStatus.Rejected) => OrderRejected,
        (_, OrderStatus.Cancelled) => OrderCancelled,
        (_, OrderStatus.InProgress) => OrderPlaced,
        (_, OrderStatus.ProvisioningStarted) => OrderProvisioningStarted,
        (_, OrderStatus.ProvisioningFailed) => OrderProvisioningFailed,
        (_, OrderStatus.Completed) => OrderCompleted,
        (_, OrderStatus.CompletedWithErrors) => OrderCompletedWithErrors,
        (_, OrderStatus.Failed) => OrderFailed,
        _ => null,
    };
}

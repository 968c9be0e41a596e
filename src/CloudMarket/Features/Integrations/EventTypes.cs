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

    /// <summary>Every type a webhook may subscribe to. Scheduling and approval are in the contract but the order lifecycle has no such steps yet, so they are never raised.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        OrderPlaced, OrderScheduled, OrderApprovalRequested, OrderApproved, OrderRejected, OrderCancelled,
        OrderProvisioningStarted, OrderProvisioningFailed, OrderCompleted, OrderCompletedWithErrors, OrderFailed,
        OrderNoteChanged, SubscriptionChanged, WebhookTest,
    ];

    public const string Wildcard = "*";

    /// <summary>The event an order transition raises; null for transitions integrators are not told about (carts, drafts, the instant provisioningFinished).</summary>
    public static string? ForTransition(OrderStatus? from, OrderStatus to) => from == to ? null : to switch
    {
        OrderStatus.InProgress => OrderPlaced,
        OrderStatus.ProvisioningStarted => OrderProvisioningStarted,
        OrderStatus.ProvisioningFailed => OrderProvisioningFailed,
        OrderStatus.Completed => OrderCompleted,
        OrderStatus.CompletedWithErrors => OrderCompletedWithErrors,
        OrderStatus.Failed => OrderFailed,
        _ => null,
    };
}

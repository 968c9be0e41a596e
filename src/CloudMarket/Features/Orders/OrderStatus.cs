namespace CloudMarket.Features.Orders;

/// <summary>The ten statuses of orders.md. Stored as strings; the API uses the camelCase names.</summary>
public enum OrderStatus
{
    Started,
    Deleted,
    Draft,
    InProgress,
    ProvisioningStarted,
    ProvisioningFinished,
    ProvisioningFailed,
    Completed,
    CompletedWithErrors,
    Failed,
}

public enum OrderView { Recent, Historical }

public enum HistoricalState { Active, Draft, All }

/// <summary>The one transition table, and which statuses each view shows (orders.md).</summary>
public static class OrderLifecycle
{
    private static readonly HashSet<(OrderStatus From, OrderStatus To)> Allowed =
    [
        (OrderStatus.Started, OrderStatus.Deleted),
        (OrderStatus.Started, OrderStatus.Draft),
        (OrderStatus.Draft, OrderStatus.Started),
        (OrderStatus.Started, OrderStatus.InProgress),
        (OrderStatus.Draft, OrderStatus.InProgress),
        (OrderStatus.Draft, OrderStatus.Deleted),
        (OrderStatus.InProgress, OrderStatus.ProvisioningStarted),
        (OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFinished),
        (OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFailed),
        (OrderStatus.ProvisioningFinished, OrderStatus.Completed),
        (OrderStatus.ProvisioningFailed, OrderStatus.ProvisioningStarted),
        (OrderStatus.ProvisioningFailed, OrderStatus.CompletedWithErrors),
        (OrderStatus.ProvisioningFailed, OrderStatus.Failed),
    ];

    public static bool CanTransition(OrderStatus from, OrderStatus to) => Allowed.Contains((from, to));

    public static IEnumerable<(OrderStatus From, OrderStatus To)> Transitions => Allowed;

    /// <summary>Placed and not yet settled: the worker has it, and the pages follow it live.</summary>
    public static bool IsInFlight(OrderStatus status) =>
        status is OrderStatus.InProgress or OrderStatus.ProvisioningStarted or OrderStatus.ProvisioningFinished;

    /// <summary>
    /// The statuses in which an order's succeeded items have been applied to the subscriptions
    /// (<see cref="OrderCompletion"/>): only such an order has changed a subscription.
    /// </summary>
    public static readonly IReadOnlyList<OrderStatus> AppliedStatuses = [OrderStatus.Completed, OrderStatus.CompletedWithErrors];

    /// <summary>Only carts and drafts can have their items, name or payment edited.</summary>
    public static bool IsEditable(OrderStatus status) => status is OrderStatus.Started or OrderStatus.Draft;

    public static readonly IReadOnlyList<OrderStatus> RecentStatuses =
    [
        OrderStatus.Started, OrderStatus.Deleted, OrderStatus.ProvisioningStarted,
        OrderStatus.ProvisioningFinished, OrderStatus.ProvisioningFailed,
    ];

    public static readonly IReadOnlyList<OrderStatus> HistoricalActiveStatuses =
        [OrderStatus.InProgress, OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed];

    public static readonly IReadOnlyList<OrderStatus> HistoricalDraftStatuses = [OrderStatus.Draft];

    /// <summary>The statuses a list shows; null means every status (Historical, All).</summary>
    public static IReadOnlyList<OrderStatus>? StatusesOf(OrderView view, HistoricalState state) => view switch
    {
        OrderView.Recent => RecentStatuses,
        _ => state switch
        {
            HistoricalState.Active => HistoricalActiveStatuses,
            HistoricalState.Draft => HistoricalDraftStatuses,
            _ => null,
        },
    };
}

namespace CloudMarket.Features.Orders;

/// <summary>The fourteen statuses of orders.md and workflow.md. Stored as strings; the API uses the camelCase names.</summary>
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
    Scheduled,
    PendingApproval,
    Rejected,
    Cancelled,
}

public enum OrderView { Recent, Historical }

public enum HistoricalState { Active, Draft, All }

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

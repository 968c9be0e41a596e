using System.Text.Json.Serialization;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>The fourteen statuses of orders.md and workflow.md. Stored as strings; the API uses the camelCase names.</summary>
[JsonConverter(typeof(ApiEnumConverter<OrderStatus>))]
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

[JsonConverter(typeof(ApiEnumConverter<OrderView>))]
public enum OrderView { Recent, Historical }

[JsonConverter(typeof(ApiEnumConverter<HistoricalState>))]
public enum HistoricalState { Active, Draft, All }

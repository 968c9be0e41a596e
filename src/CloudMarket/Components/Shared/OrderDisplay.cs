using System.Globalization;
using CloudMarket.Features.Orders;

namespace CloudMarket.Components.Shared;

/// <summary>How the pages show orders: status and item labels, badge colours, dates and percentages.</summary>
public static class OrderDisplay
{
    public static string Label(OrderStatus status) => OrderLifecycle.Label(status);

    /// <summary>Colours that read at a glance: blue is moving, green done, amber partly, red needs attention, grey inert.</summary>
    public static string BadgeClass(OrderStatus status) => status switch
    {
        OrderStatus.Started => "text-bg-info",
        OrderStatus.Draft => "text-bg-light border",
        OrderStatus.Deleted => "text-bg-secondary",
        OrderStatus.InProgress or OrderStatus.ProvisioningStarted or OrderStatus.ProvisioningFinished => "text-bg-primary",
        OrderStatus.ProvisioningFailed => "text-bg-danger",
        OrderStatus.Completed => "text-bg-success",
        OrderStatus.CompletedWithErrors => "text-bg-warning",
        OrderStatus.Failed => "text-bg-dark",
        _ => "text-bg-secondary",
    };

    public static string Label(ItemProvisioningStatus status) => status switch
    {
        ItemProvisioningStatus.Pending => "Pending",
        ItemProvisioningStatus.ProvisioningStarted => "Sent to vendor",
        ItemProvisioningStatus.ProvisioningFinished => "Provisioned",
        ItemProvisioningStatus.ProvisioningFailed => "Rejected",
        _ => status.ToString(),
    };

    public static string BadgeClass(ItemProvisioningStatus status) => status switch
    {
        ItemProvisioningStatus.Pending => "text-bg-light border",
        ItemProvisioningStatus.ProvisioningStarted => "text-bg-primary",
        ItemProvisioningStatus.ProvisioningFinished => "text-bg-success",
        ItemProvisioningStatus.ProvisioningFailed => "text-bg-danger",
        _ => "text-bg-secondary",
    };

    public static string Label(OrderItemKind kind) => kind switch
    {
        OrderItemKind.NewSubscription => "New subscription",
        OrderItemKind.IncreaseQuantity => "Increase licences",
        OrderItemKind.DecreaseQuantity => "Decrease licences",
        OrderItemKind.Suspend => "Suspend",
        OrderItemKind.Reactivate => "Reactivate",
        OrderItemKind.ChangeAutoRenew => "Auto-renewal",
        OrderItemKind.ChangeMarkup => "Markup change",
        _ => kind.ToString(),
    };

    public static string Date(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Percent(decimal? p) => p is null ? "" : p.Value.ToString("0.##", CultureInfo.InvariantCulture) + " %";
}

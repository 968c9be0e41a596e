using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;

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
        // workflow.md: waiting (for a moment, for someone) is not moving; a refusal is final, a withdrawal inert.
        OrderStatus.Scheduled => "bg-primary-subtle border border-primary text-primary-emphasis",
        OrderStatus.PendingApproval => "text-bg-warning",
        OrderStatus.Rejected => "text-bg-dark",
        OrderStatus.Cancelled => "text-bg-secondary",
        _ => "text-bg-secondary",
    };

    /// <summary>How a schedule reads: "on renewal", "at a date".</summary>
    public static string Label(ScheduleKind kind) => kind switch
    {
        ScheduleKind.OnRenewal => "On renewal",
        ScheduleKind.At => "At a date",
        _ => "Now",
    };

    /// <summary>Who must decide on an order held for approval: "a seller admin or an account manager".</summary>
    public static string Approvers(IEnumerable<Features.Identity.Role> roles) =>
        string.Join(" or ", roles.Select(r => r switch
        {
            Features.Identity.Role.SellerAdmin => "a seller admin",
            Features.Identity.Role.AccountManager => "an account manager",
            Features.Identity.Role.SubscriptionsManager => "a subscriptions manager",
            Features.Identity.Role.CustomerAdmin => "a customer admin",
            Features.Identity.Role.Customer => "a customer user",
            Features.Identity.Role.CustomerBillingAdmin => "a billing admin",
            Features.Identity.Role.DistributorAdmin => "a distributor admin",
            _ => Infrastructure.ApiNames.Of(r),
        }));

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
        OrderItemKind.Cancel => "Cancel subscription",
        _ => kind.ToString(),
    };

    /// <summary>An order action's button label (its API name in <c>actions</c>).</summary>
    public static string ActionLabel(string action) => action switch
    {
        OrderAction.Edit => "Edit items",
        OrderAction.Place => "Place order",
        OrderAction.SaveAsDraft => "Save as draft",
        OrderAction.Resume => "Resume as cart",
        OrderAction.Retry => "Correct and retry",
        OrderAction.Close => "Close order",
        OrderAction.Delete => "Delete",
        OrderAction.EditNote => "Edit note",
        _ => action,
    };

    /// <summary>A span in words, rounded down: "less than a minute", "5 minutes", "3 hours", "2 days".</summary>
    public static string Span(TimeSpan span) =>
        span.TotalMinutes < 1 ? "less than a minute"
        : span.TotalHours < 1 ? Count((int)span.TotalMinutes, "minute")
        : span.TotalDays < 1 ? Count((int)span.TotalHours, "hour")
        : Count((int)span.TotalDays, "day");

    private static string Count(int n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")}";

    /// <summary>
    /// Since when an order in flight has been where it is: the moment it entered its current status
    /// (placed, sent to the vendors, retried), which no note or answer of one item among several changes.
    /// </summary>
    public static DateTime WaitingSince(OrderDetailDto order) =>
        order.Events.LastOrDefault(e => e.From != e.To)?.At ?? order.UpdatedAt;

    /// <summary>What an order in flight waits for, in the user's words.</summary>
    public static string WaitingFor(OrderStatus status) => status switch
    {
        OrderStatus.InProgress => "Waiting to be sent to the vendors",
        OrderStatus.ProvisioningStarted => "Waiting for the vendor",
        _ => "Updating the subscriptions",
    };

    /// <summary>"138.60 EUR per month and 285.10 EUR per year": an order's totals in a sentence, one per billing cycle.</summary>
    public static string TotalsInWords(IReadOnlyList<CycleTotalsDto> totals) =>
        totals.Count == 0 ? "nothing" : string.Join(" and ", totals.Select(t => $"{t.PeriodTotal} per {Features.Catalog.Pricing.PeriodName(t.BillingCycle)}"));

    public static string Percent(decimal? p) => Percentages.Format(p, absent: "");
}

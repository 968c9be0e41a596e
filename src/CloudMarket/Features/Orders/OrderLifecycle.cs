using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>
/// Everything about an order's status, in one place (orders.md "Lifecycle"): the one transition
/// table with who triggers each transition, the actions a viewer may take in a status (derived from
/// that table and the viewer's permissions), the statuses the provisioning worker owns, which
/// statuses each view shows, the labels, and the words of a refused transition.
/// </summary>
public static class OrderLifecycle
{
    /// <summary>Who moves an order along a transition: a person's action (its API name) or the worker.</summary>
    public const string Worker = "worker";

    /// <summary>The worker when a scheduled order's time has come (a trigger of its own: a scheduled order is not in flight).</summary>
    public const string Clock = "clock";

    private static readonly (OrderStatus From, OrderStatus To, string Trigger)[] Table =
    [
        (OrderStatus.Started, OrderStatus.Deleted, OrderAction.Delete),
        (OrderStatus.Started, OrderStatus.Draft, OrderAction.SaveAsDraft),
        (OrderStatus.Draft, OrderStatus.Started, OrderAction.Resume),
        // Placing: validation → approval (if a rule matches) → schedule (if any) → provisioning (workflow.md).
        (OrderStatus.Started, OrderStatus.InProgress, OrderAction.Place),
        (OrderStatus.Draft, OrderStatus.InProgress, OrderAction.Place),
        (OrderStatus.Started, OrderStatus.Scheduled, OrderAction.Place),
        (OrderStatus.Draft, OrderStatus.Scheduled, OrderAction.Place),
        (OrderStatus.Started, OrderStatus.PendingApproval, OrderAction.Place),
        (OrderStatus.Draft, OrderStatus.PendingApproval, OrderAction.Place),
        (OrderStatus.PendingApproval, OrderStatus.InProgress, OrderAction.Approve),
        (OrderStatus.PendingApproval, OrderStatus.Scheduled, OrderAction.Approve),
        (OrderStatus.PendingApproval, OrderStatus.Rejected, OrderAction.Reject),
        (OrderStatus.PendingApproval, OrderStatus.Cancelled, OrderAction.Cancel),
        (OrderStatus.Scheduled, OrderStatus.Cancelled, OrderAction.Cancel),
        (OrderStatus.Scheduled, OrderStatus.InProgress, Clock),
        (OrderStatus.Draft, OrderStatus.Deleted, OrderAction.Delete),
        (OrderStatus.InProgress, OrderStatus.ProvisioningStarted, Worker),
        (OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFinished, Worker),
        (OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFailed, Worker),
        (OrderStatus.ProvisioningFinished, OrderStatus.Completed, Worker),
        (OrderStatus.ProvisioningFailed, OrderStatus.ProvisioningStarted, OrderAction.Retry),
        (OrderStatus.ProvisioningFailed, OrderStatus.CompletedWithErrors, OrderAction.Close),
        (OrderStatus.ProvisioningFailed, OrderStatus.Failed, OrderAction.Close),
    ];

    public static bool CanTransition(OrderStatus from, OrderStatus to) => Table.Any(t => t.From == from && t.To == to);

    public static IEnumerable<(OrderStatus From, OrderStatus To)> Transitions => Table.Select(t => (t.From, t.To));

    /// <summary>Whether a person's action (place, retry, close…) leads anywhere from this status.</summary>
    public static bool Allows(OrderStatus status, string action) => Table.Any(t => t.From == status && t.Trigger == action);

    /// <summary>
    /// Placed and not yet settled: the worker owns the order (it alone moves it on), and the pages
    /// follow it live.
    /// </summary>
    public static bool IsInFlight(OrderStatus status) => Table.Any(t => t.From == status && t.Trigger == Worker);

    /// <summary>
    /// The in-flight statuses in which the worker talks to vendors: it dispatches an inProgress
    /// order and sends a provisioningStarted order's pending items (after a retry) or records their
    /// answers. A provisioningFinished order only waits to be applied to the subscriptions.
    /// </summary>
    public static bool IsWithVendors(OrderStatus status) => status is OrderStatus.InProgress or OrderStatus.ProvisioningStarted;

    /// <summary>
    /// The statuses in which an order's succeeded items have been applied to the subscriptions
    /// (<see cref="OrderCompletion"/>): only such an order has changed a subscription.
    /// </summary>
    public static readonly IReadOnlyList<OrderStatus> AppliedStatuses = [OrderStatus.Completed, OrderStatus.CompletedWithErrors];

    /// <summary>Only carts and drafts can have their items, name or payment edited.</summary>
    public static bool IsEditable(OrderStatus status) => status is OrderStatus.Started or OrderStatus.Draft;

    /// <summary>Approve and reject are the approvers' (named by the order's approval rule), not the buyers'.</summary>
    private static readonly string[] Decisions = [OrderAction.Approve, OrderAction.Reject];

    /// <summary>
    /// The actions the viewer may take now: the transitions a person may trigger from this status,
    /// editing while editable (both for buyers), approve and reject for an approver of this order
    /// (<paramref name="mayDecide"/>, <see cref="OrderApproval.MayDecide"/>), and the note for everyone
    /// but the read-only roles.
    /// </summary>
    public static IReadOnlyList<string> ActionsFor(OrderStatus status, Actor actor, bool mayDecide = false)
    {
        var actions = new List<string>();
        var triggers = Table.Where(t => t.From == status && t.Trigger is not (Worker or Clock)).Select(t => t.Trigger).Distinct().ToList();
        if (actor.CanBuy)
        {
            if (IsEditable(status)) actions.Add(OrderAction.Edit);
            actions.AddRange(triggers.Where(t => !Decisions.Contains(t)));
        }
        if (mayDecide) actions.AddRange(triggers.Where(Decisions.Contains));
        if (actor.CanWriteNotes) actions.Add(OrderAction.EditNote);
        return actions.OrderBy(a => Array.IndexOf(OrderAction.DisplayOrder, a)).ToList();
    }

    /// <summary>
    /// The actions the viewer's role could take on an order but not in this status, each with why (workflow.md,
    /// "Why not"): for buyers every person's action of the table and editing, less <see cref="ActionsFor"/>;
    /// approve and reject for an approver of this pending order who may not decide it now
    /// (<paramref name="decisionRefusal"/>, e.g. their own order). The reasons are the words of a refusal,
    /// derived from the table, so a new status has its reasons without new code; while the worker owns the
    /// order, the reason says so. The worker's and the clock's transitions are nobody's action.
    /// </summary>
    public static IReadOnlyList<UnavailableActionDto> UnavailableFor(OrderStatus status, Actor actor, bool mayDecide = false,
        string? decisionRefusal = null)
    {
        var available = ActionsFor(status, actor, mayDecide);
        var candidates = new List<string>();
        if (actor.CanBuy)
            candidates.AddRange(Table.Where(t => t.Trigger is not (Worker or Clock) && !Decisions.Contains(t.Trigger)).Select(t => t.Trigger)
                .Prepend(OrderAction.Edit).Distinct());
        if (decisionRefusal is not null) candidates.AddRange(Decisions);
        return candidates.Where(a => !available.Contains(a))
            .OrderBy(a => Array.IndexOf(OrderAction.DisplayOrder, a))
            .Select(a => new UnavailableActionDto(a,
                Decisions.Contains(a) ? decisionRefusal!
                : (a == OrderAction.Edit ? EditRefusal(status) : Refusal(status, a)) +
                  (IsInFlight(status) ? " The order is being provisioned; the vendors' answers decide what comes next." : "")))
            .ToList();
    }

    /// <summary>
    /// Whether the order may come to allow the action without its viewer doing anything: some status the
    /// worker alone moves it to allows it (an order being provisioned may fail and then be retried). The
    /// pages show such an action disabled, with its reason.
    /// </summary>
    public static bool MayAllowLater(OrderStatus status, string action)
    {
        var seen = new HashSet<OrderStatus> { status };
        var next = new Queue<OrderStatus>([status]);
        while (next.TryDequeue(out var s))
            foreach (var t in Table.Where(t => t.From == s && t.Trigger == Worker && seen.Add(t.To)))
            {
                if (Allows(t.To, action)) return true;
                next.Enqueue(t.To);
            }
        return false;
    }

    /// <summary>Refuses (409) a person's action that does not lead anywhere from this status.</summary>
    public static void EnsureAllows(OrderStatus status, string action)
    {
        if (!Allows(status, action)) throw new DomainException(Refusal(status, action));
    }

    /// <summary>The words of a refused action, in the user's terms and derived from the table.</summary>
    public static string Refusal(OrderStatus status, string action)
    {
        if (action == OrderAction.Place && status is not (OrderStatus.Started or OrderStatus.Draft or OrderStatus.Deleted))
            return $"This order was already placed; it is now {ApiNames.Of(status)}.";
        var from = Table.Where(t => t.Trigger == action).Select(t => ApiNames.Of(t.From)).Distinct().ToList();
        return $"An order in status {ApiNames.Of(status)} cannot be {PastTense(action)}; only {string.Join(" or ", from)} orders can.";
    }

    /// <summary>A refused transition the worker would have made: a defect or a race, never a user's doing.</summary>
    public static string Refusal(OrderStatus from, OrderStatus to) =>
        $"An order in status {ApiNames.Of(from)} cannot become {ApiNames.Of(to)}.";

    public static string EditRefusal(OrderStatus status) =>
        $"Only started or draft orders can be edited; this one is {ApiNames.Of(status)}.";

    private static string PastTense(string action) => action switch
    {
        OrderAction.Place => "placed",
        OrderAction.SaveAsDraft => "saved as a draft",
        OrderAction.Resume => "resumed",
        OrderAction.Delete => "deleted",
        OrderAction.Retry => "retried",
        OrderAction.Close => "closed",
        OrderAction.Approve => "approved",
        OrderAction.Reject => "rejected",
        OrderAction.Cancel => "cancelled",
        _ => action,
    };

    public static string Label(OrderStatus status) => status switch
    {
        OrderStatus.Started => "Started",
        OrderStatus.Deleted => "Deleted",
        OrderStatus.Draft => "Draft",
        OrderStatus.InProgress => "In progress",
        OrderStatus.ProvisioningStarted => "Provisioning started",
        OrderStatus.ProvisioningFinished => "Provisioning finished",
        OrderStatus.ProvisioningFailed => "Provisioning failed",
        OrderStatus.Completed => "Completed",
        OrderStatus.CompletedWithErrors => "Completed with errors",
        OrderStatus.Failed => "Failed",
        OrderStatus.Scheduled => "Scheduled",
        OrderStatus.PendingApproval => "Pending approval",
        OrderStatus.Rejected => "Rejected",
        OrderStatus.Cancelled => "Cancelled",
        _ => status.ToString(),
    };

    public static readonly IReadOnlyList<OrderStatus> RecentStatuses =
    [
        OrderStatus.Started, OrderStatus.Deleted, OrderStatus.ProvisioningStarted,
        OrderStatus.ProvisioningFinished, OrderStatus.ProvisioningFailed, OrderStatus.Scheduled, OrderStatus.PendingApproval,
    ];

    public static readonly IReadOnlyList<OrderStatus> HistoricalActiveStatuses =
    [
        OrderStatus.InProgress, OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed,
        OrderStatus.Rejected, OrderStatus.Cancelled,
    ];

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

/// <summary>The API names of the actions on an order (the order's <c>actions</c>).</summary>
public static class OrderAction
{
    public const string Edit = "edit";
    public const string Place = "place";
    public const string SaveAsDraft = "saveAsDraft";
    public const string Resume = "resume";
    public const string Delete = "delete";
    public const string Retry = "retry";
    public const string Close = "close";
    public const string EditNote = "editNote";
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string Cancel = "cancel";

    /// <summary>The order in which pages offer them: the usual next step first, the destructive last.</summary>
    internal static readonly string[] DisplayOrder = [Edit, Place, Approve, SaveAsDraft, Resume, Retry, Close, Reject, Cancel, Delete, EditNote];
}

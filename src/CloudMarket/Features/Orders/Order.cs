using System.Text.Json.Serialization;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

[JsonConverter(typeof(ApiEnumConverter<PaymentMethod>))]
public enum PaymentMethod { Invoice, Card }

/// <summary>
/// An order of one customer organization. Every status change goes through <see cref="TransitionTo"/>
/// and the one table in <see cref="OrderLifecycle"/>; every change is recorded as an <see cref="OrderEvent"/>.
/// </summary>
public sealed class Order
{
    public const int MaxNameLength = 200;
    public const int MaxNoteLength = 2000;

    private Order() { }

    public static Order CreateCart(Organization customer, EventActor creator, OrganizationType creatorOrganizationType,
        string? name, DateTime now)
    {
        var order = new Order
        {
            CustomerId = customer.Id,
            Name = string.IsNullOrWhiteSpace(name) ? DefaultName(now) : name.Trim(),
            Status = OrderStatus.Started,
            CreatedAt = now,
            Date = now,
            UpdatedAt = now,
            StatusChangedAt = now,
            VisibleUpdatedAt = now,
            CreatedByUserId = creator.UserId,
            CreatedByName = creator.Name,
            CreatedByOrganizationId = creator.OrganizationId,
            CreatedByOrganizationName = creator.OrganizationName,
            CreatedByOrganizationType = creatorOrganizationType,
            PaymentMethod = PaymentMethod.Invoice,
            InvoiceContract = $"INV-{customer.Id.ToString("N")[..8].ToUpperInvariant()}",
            Currency = "EUR",
        };
        order._events.Add(new OrderEvent(now, null, OrderStatus.Started, creator, "Cart created.", false));
        return order;
    }

    /// <summary>"Order #" and the creation date as dd-MM-yyyy (orders.md).</summary>
    public static string DefaultName(DateTime createdAt) => $"Order #{createdAt:dd-MM-yyyy}";

    public long Id { get; private set; }
    public Guid CustomerId { get; private set; }
    public string Name { get; private set; } = "";
    public OrderStatus Status { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? PlacedAt { get; private set; }

    /// <summary>The list date: when placed, or when created if never placed. The lists sort and page on it.</summary>
    public DateTime Date { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    /// <summary>
    /// When the order entered its current status (its creation, or its last transition): how long it has been
    /// waiting, for Needs attention's "since" and its stuck filter, stored so they are a column and an index range.
    /// </summary>
    public DateTime StatusChangedAt { get; private set; }
    public Guid CreatedByUserId { get; private set; }
    public string CreatedByName { get; private set; } = "";
    public Guid CreatedByOrganizationId { get; private set; }
    public string CreatedByOrganizationName { get; private set; } = "";
    public OrganizationType CreatedByOrganizationType { get; private set; }
    public string? Note { get; private set; }

    /// <summary>
    /// The seller's and distributor's own remark ("call back in Q1"): never shown to customer-level users,
    /// nor in anything sent to them (<see cref="OrderVisibility.SeesInternalNote"/>).
    /// </summary>
    public string? InternalNote { get; private set; }
    public PaymentMethod PaymentMethod { get; private set; }
    public string? CardBrand { get; private set; }
    public string? CardLast4 { get; private set; }
    public string InvoiceContract { get; private set; } = "";
    public string Currency { get; private set; } = "EUR";

    /// <summary>
    /// True when every item is a markup change. Kept on the row because the visibility rule filters on
    /// it in every list query: such an order does not exist for customer-level users.
    /// </summary>
    public bool IsMarkupOnly { get; private set; }

    /// <summary>
    /// The offer names of the order's items that customer-level users see (every kind but markup changes), and of its markup
    /// changes, each joined with <see cref="OrderOfferNames.Separator"/>. Written by the database, never by the app
    /// (<see cref="OrderOfferNames"/>): the search's walk checks an order on its own row instead of probing its items.
    /// </summary>
    public string VisibleOfferNames { get; private set; } = "";

    /// <inheritdoc cref="VisibleOfferNames"/>
    public string MarkupOfferNames { get; private set; } = "";

    /// <summary>Optimistic concurrency: bumped on every change, so of two concurrent writers one gets 409.</summary>
    public int Version { get; private set; }

    /// <summary>
    /// <see cref="Version"/> and <see cref="UpdatedAt"/> as customer-level users see them: they move only
    /// with changes those users can see, so a hidden markup edit changes nothing they receive (version,
    /// ETag, last change). <see cref="OrderVisibility.VersionSeenBy"/> picks the pair for a viewer.
    /// </summary>
    public int VisibleVersion { get; private set; }
    public DateTime VisibleUpdatedAt { get; private set; }

    private readonly List<OrderItem> _items = [];
    public IReadOnlyList<OrderItem> Items => _items;

    private readonly List<OrderEvent> _events = [];
    public IReadOnlyList<OrderEvent> Events => _events;

    public bool IsEditable => OrderLifecycle.IsEditable(Status);

    // ---- workflow (workflow.md): when it runs, and who must approve it ------------------

    /// <summary>When the order runs once placed: now (the default), at the subscriptions' renewal, or at <see cref="ScheduledAt"/>.</summary>
    public ScheduleKind Schedule { get; private set; }

    /// <summary>The moment asked for with <see cref="ScheduleKind.At"/>.</summary>
    public DateTime? ScheduledAt { get; private set; }

    /// <summary>The moment a scheduled order will run (the renewal date for onRenewal, fixed again when placed).</summary>
    public DateTime? ScheduledFor { get; private set; }

    /// <summary>The approval rule that held the order at placing (null: none did).</summary>
    public string? ApprovalRule { get; private set; }

    /// <summary>The roles that may decide, comma-separated (a snapshot of the rule's approvers at placing).</summary>
    public string? ApprovalApprovers { get; private set; }

    public Guid? ApprovalRequestedByUserId { get; private set; }
    public string? ApprovalRequestedByName { get; private set; }
    public string? ApprovalRequestedByOrganizationName { get; private set; }
    public DateTime? ApprovalRequestedAt { get; private set; }

    /// <summary>The rule matched on markup changes: customer-level users do not see which rule it was.</summary>
    public bool ApprovalConcernsMarkup { get; private set; }

    /// <summary>The roles the approval rule names as approvers.</summary>
    public IReadOnlyList<Role> Approvers => (ApprovalApprovers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(r => Enum.TryParse<Role>(r, out var role) ? role : (Role?)null).OfType<Role>().ToList();

    // ---- cart and draft -------------------------------------------------------------

    public OrderItem AddItem(ItemSpec spec, EventActor actor, DateTime now)
    {
        EnsureEditable();
        var item = new OrderItem(Guid.NewGuid(), _items.Count == 0 ? 0 : _items.Max(i => i.Position) + 1, spec);
        _items.Add(item);
        Changed(now, actor, $"Item added: {item.Description}", item.IsMarkupChange);
        return item;
    }

    public OrderItem UpdateItem(Guid itemId, ItemSpec spec, EventActor actor, DateTime now)
    {
        EnsureEditable();
        var item = FindItem(itemId);
        var wasMarkupChange = item.IsMarkupChange;
        item.Apply(spec);
        // The event text is the new description: it concerns markup only when the item now is a markup change.
        // Customers see the change unless the item was and stays a markup change: an item that becomes one
        // leaves their view of the order, one that stops being one enters it.
        Changed(now, actor, $"Item changed: {item.Description}", item.IsMarkupChange, customersSeeIt: !(wasMarkupChange && item.IsMarkupChange));
        return item;
    }

    public void RemoveItem(Guid itemId, EventActor actor, DateTime now)
    {
        EnsureEditable();
        var item = FindItem(itemId);
        _items.Remove(item);
        Changed(now, actor, $"Item removed: {item.Description}", item.IsMarkupChange);
    }

    public void Rename(string name, EventActor actor, DateTime now)
    {
        EnsureEditable();
        Name = name.Trim();
        Changed(now, actor, $"Renamed to \"{Name}\".", false);
    }

    public void SetPayment(PaymentMethod method, string? cardBrand, string? cardLast4, EventActor actor, DateTime now)
    {
        EnsureEditable();
        PaymentMethod = method;
        CardBrand = method == PaymentMethod.Card ? cardBrand : null;
        CardLast4 = method == PaymentMethod.Card ? cardLast4 : null;
        Changed(now, actor, method == PaymentMethod.Card ? $"Payment by card {cardBrand} •••• {cardLast4}." : "Payment by invoice.", false);
    }

    /// <summary>True when the order is already paid this way (an invoice, or this very card).</summary>
    public bool PaysWith(PaymentMethod method, string? cardBrand, string? cardLast4) =>
        PaymentMethod == method && (method == PaymentMethod.Invoice || (CardBrand == cardBrand && CardLast4 == cardLast4));

        public void SaveAsDraft(EventActor actor, DateTime now) => Act(OrderAction.SaveAsDraft, OrderStatus.Draft, actor, now, "Saved as draft.");

    public void Resume(EventActor actor, DateTime now) => Act(OrderAction.Resume, OrderStatus.Started, actor, now, "Draft resumed as cart.");

    public void Delete(EventActor actor, DateTime now) => Act(OrderAction.Delete, OrderStatus.Deleted, actor, now, "Deleted.");

    public const string NothingToPlace = "An order needs at least one item to be placed.";

    /// <summary>
    /// When the order runs once placed. <paramref name="scheduledFor"/> is the moment it runs (null for now);
    /// the caller has validated the schedule (<see cref="OrderValidator.ScheduledFor"/>).
    /// </summary>
    public void SetSchedule(ScheduleKind kind, DateTime? at, DateTime? scheduledFor, EventActor actor, DateTime now)
    {
        EnsureEditable();
        Schedule = kind;
        ScheduledAt = kind == ScheduleKind.At ? at : null;
        ScheduledFor = kind == ScheduleKind.Now ? null : scheduledFor;
        Changed(now, actor, kind switch
        {
            ScheduleKind.OnRenewal => $"To run at the renewal ({OrderSchedule.Moment(ScheduledFor)}).",
            ScheduleKind.At => $"To run at {OrderSchedule.Moment(ScheduledFor)}.",
            _ => "To run when placed.",
        }, false);
    }

    /// <summary>
    /// Accepts the purchase (workflow.md): held for approval when a rule matched (<paramref name="approval"/>),
    /// else scheduled when it has a schedule (<paramref name="scheduledFor"/>, fixed now), else in progress.
    /// The caller has validated the items and the schedule (<see cref="OrderValidator"/>).
    /// </summary>
    public void Place(EventActor actor, DateTime now, ApprovalMatch? approval = null, DateTime? scheduledFor = null)
    {
        if (_items.Count == 0)
            throw RequestValidationException.For("items", NothingToPlace);
        if (Schedule != ScheduleKind.Now)
            ScheduledFor = scheduledFor ?? ScheduledFor;
        if (approval is not null)
        {
            Act(OrderAction.Place, OrderStatus.PendingApproval, actor, now, approval.ConcernsMarkup
                ? "Placed; waiting for approval."
                : $"Placed; waiting for approval (rule \"{approval.Rule}\").");
            ApprovalRule = approval.Rule;
            ApprovalApprovers = string.Join(',', approval.Approvers);
            ApprovalConcernsMarkup = approval.ConcernsMarkup;
            ApprovalRequestedByUserId = actor.UserId;
            ApprovalRequestedByName = actor.Name;
            ApprovalRequestedByOrganizationName = actor.OrganizationName;
            ApprovalRequestedAt = now;
        }
        else if (Schedule != ScheduleKind.Now)
            Act(OrderAction.Place, OrderStatus.Scheduled, actor, now, $"Placed; scheduled for {OrderSchedule.Moment(ScheduledFor)}.");
        else
            Act(OrderAction.Place, OrderStatus.InProgress, actor, now, "Placed.");
        PlacedAt = now;
        Date = now;
    }

    /// <summary>An approver lets the order go on: scheduled when it has a schedule, else to the vendors.</summary>
    public void Approve(string? comment, EventActor actor, DateTime now) =>
        Act(OrderAction.Approve, Schedule == ScheduleKind.Now ? OrderStatus.InProgress : OrderStatus.Scheduled, actor, now,
            string.IsNullOrWhiteSpace(comment) ? "Approved." : $"Approved: {comment.Trim()}");

    /// <summary>An approver refuses the order; the reason is kept in its history.</summary>
    public void Reject(string reason, EventActor actor, DateTime now) =>
        Act(OrderAction.Reject, OrderStatus.Rejected, actor, now, $"Rejected: {reason.Trim()}");

    /// <summary>Withdrawn before anything was sent to a vendor (scheduled or waiting for approval).</summary>
    public void Cancel(EventActor actor, DateTime now) =>
        Act(OrderAction.Cancel, OrderStatus.Cancelled, actor, now, "Cancelled; nothing was sent to a vendor.");

    /// <summary>A scheduled order whose time has come (the worker).</summary>
    public bool IsDue(DateTime now) => Status == OrderStatus.Scheduled && (ScheduledFor is null || ScheduledFor <= now);

    public void SetNote(string? note, EventActor actor, DateTime now)
    {
        Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        Changed(now, actor, Note is null ? "Note removed." : $"Note: {Note}", false);
    }

    /// <summary>The internal note: its history event, version and last change are hidden from customer-level users like a markup change.</summary>
    public void SetInternalNote(string? note, EventActor actor, DateTime now)
    {
        InternalNote = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        Changed(now, actor, InternalNote is null ? "Internal note removed." : $"Internal note: {InternalNote}", concernsOnlyMarkup: true);
    }

    // ---- provisioning ---------------------------------------------------------------

    /// <summary>The items the worker still has to send to their vendors.</summary>
    public IEnumerable<OrderItem> PendingItems => _items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.Pending);

    /// <summary>Marks the pending items as sent; the first dispatch moves the order to provisioningStarted.</summary>
    public void StartProvisioning(DateTime now)
    {
        if (IsDue(now))
            TransitionTo(OrderStatus.InProgress, null, now, "Its scheduled time came.");
        if (!OrderLifecycle.IsWithVendors(Status))
            throw new DomainException(OrderLifecycle.Refusal(Status, OrderStatus.ProvisioningStarted));
        if (Status != OrderStatus.ProvisioningStarted)
            TransitionTo(OrderStatus.ProvisioningStarted, null, now, "Sent to the vendors.");
        foreach (var item in PendingItems.ToList())
            item.MarkSent();
    }

    /// <summary>The vendor provisioned the item; the last answer moves the order on.</summary>
    public void RecordItemProvisioned(Guid itemId, string? vendorReference, DateTime now) =>
        RecordItemAnswer(itemId, now, item => item.RecordSuccess(vendorReference));

    /// <summary>The vendor rejected the item for a business reason, kept with its code and words.</summary>
    public void RecordItemRejected(Guid itemId, string code, string message, DateTime now) =>
        RecordItemAnswer(itemId, now, item =>
        {
            item.RecordRejection(code, message);
            Changed(now, null, $"{item.Description}: rejected by {item.VendorName}: {item.ErrorMessage} ({item.ErrorCode})", item.IsMarkupChange);
        });

    private void RecordItemAnswer(Guid itemId, DateTime now, Action<OrderItem> record)
    {
        if (Status != OrderStatus.ProvisioningStarted)
            throw new DomainException($"Order {Id} is {ApiNames.Of(Status)}; vendor answers are only recorded while provisioning.");
        var item = FindItem(itemId);
        if (item.ProvisioningStatus != ItemProvisioningStatus.ProvisioningStarted)
            return; // a late duplicate answer for an item already settled changes nothing
        record(item);

        if (_items.Any(i => i.ProvisioningStatus != ItemProvisioningStatus.ProvisioningFinished &&
                            i.ProvisioningStatus != ItemProvisioningStatus.ProvisioningFailed))
            return;
        var failed = _items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed).ToList();
        if (failed.Count == 0)
            TransitionTo(OrderStatus.ProvisioningFinished, null, now, "Every item was provisioned.");
        else
        {
            // Everyone sees the transition, so it counts and names only the items everyone sees; a rejected
            // markup change is told by its own rejection event above, which customer-level users do not see.
            var shown = failed.Where(f => !f.IsMarkupChange).ToList();
            TransitionTo(OrderStatus.ProvisioningFailed, null, now, shown.Count == 0
                ? "Items were rejected by their vendors; see the items."
                : $"{shown.Count} of {_items.Count(i => !i.IsMarkupChange)} items rejected: " + string.Join("; ", shown.Select(f => $"{f.OfferName}: {f.ErrorMessage}")));
        }
    }

    /// <summary>Sends the rejected items again, with corrections, keeping those that succeeded.</summary>
    public IReadOnlyList<OrderItem> Retry(IReadOnlyDictionary<Guid, (AdminContact? Contact, string? Tenant)> corrections, EventActor actor, DateTime now)
    {
        // Checked by action, not by target: inProgress → provisioningStarted is the worker's dispatch, not a retry.
        OrderLifecycle.EnsureAllows(Status, OrderAction.Retry);
        var failed = _items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFailed).ToList();
        var unknown = corrections.Keys.Where(k => failed.All(f => f.Id != k)).ToList();
        if (unknown.Count > 0)
            throw RequestValidationException.For("items", $"Only failed items can be corrected; {string.Join(", ", unknown)} is not a failed item of this order.");
        foreach (var item in failed)
        {
            corrections.TryGetValue(item.Id, out var c);
            item.PrepareRetry(c.Contact, c.Tenant);
        }
        // The worker sends the pending items again, as it does after a placement.
        Act(OrderAction.Retry, OrderStatus.ProvisioningStarted, actor, now, $"Retry of {failed.Count} failed item(s).");
        return failed;
    }

    /// <summary>All items succeeded: the subscriptions were updated in this same unit of work.</summary>
    public void Complete(DateTime now) =>
        TransitionTo(OrderStatus.Completed, null, now, "Subscriptions updated.");

    /// <summary>Ends a failed provisioning: succeeded items were applied, rejected ones stay with their errors.</summary>
    public void Close(EventActor actor, DateTime now)
    {
        OrderLifecycle.EnsureAllows(Status, OrderAction.Close);
        var anySucceeded = _items.Any(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished);
        TransitionTo(anySucceeded ? OrderStatus.CompletedWithErrors : OrderStatus.Failed, actor, now,
            anySucceeded ? "Closed; succeeded items applied to subscriptions." : "Closed; no item succeeded.");
    }

    /// <summary>The items whose result the subscriptions take when the order completes or closes.</summary>
    public IEnumerable<OrderItem> SucceededItems => _items.Where(i => i.ProvisioningStatus == ItemProvisioningStatus.ProvisioningFinished);

    // ---- the one way a status changes ------------------------------------------------

    /// <summary>A person's action: refused in the action's own words when it leads nowhere from here.</summary>
    private void Act(string action, OrderStatus to, EventActor actor, DateTime now, string reason)
    {
        OrderLifecycle.EnsureAllows(Status, action);
        TransitionTo(to, actor, now, reason);
    }

    private void TransitionTo(OrderStatus to, EventActor? actor, DateTime now, string reason)
    {
        EnsureCan(to);
        var from = Status;
        Status = to;
        StatusChangedAt = now;
        Bump(now, customersSeeIt: true);
        _events.Add(new OrderEvent(now, from, to, actor, reason, false));
    }

    private void EnsureCan(OrderStatus to)
    {
        if (!OrderLifecycle.CanTransition(Status, to))
            throw new DomainException(OrderLifecycle.Refusal(Status, to));
    }

    /// <summary>For handlers that validate an item before changing the order: refuse a closed order first (409).</summary>
    public void EnsureEditableForRequest() => EnsureEditable();

    private void EnsureEditable()
    {
        if (!IsEditable)
            throw new DomainException(OrderLifecycle.EditRefusal(Status));
    }

    /// <summary>A change within the status. One that concerns only markup is hidden from customer-level users, event and stamp alike.</summary>
    private void Changed(DateTime now, EventActor? actor, string reason, bool concernsOnlyMarkup, bool? customersSeeIt = null)
    {
        Bump(now, customersSeeIt ?? !concernsOnlyMarkup);
        IsMarkupOnly = _items.Count > 0 && _items.All(i => i.IsMarkupChange);
        _events.Add(new OrderEvent(now, Status, Status, actor, reason, concernsOnlyMarkup));
    }

    private void Bump(DateTime now, bool customersSeeIt)
    {
        Version++;
        UpdatedAt = now;
        if (!customersSeeIt) return;
        VisibleVersion++;
        VisibleUpdatedAt = now;
    }

    private OrderItem FindItem(Guid itemId) =>
        _items.SingleOrDefault(i => i.Id == itemId) ?? throw new NotFoundException($"Item {itemId}");
}

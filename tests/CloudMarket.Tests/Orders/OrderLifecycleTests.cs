using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The lifecycle of orders.md as a pure unit test of the domain: what a person can and cannot do to
/// an order in each status (and that the order offers exactly that), and the transitions only the
/// provisioning worker makes (sent to vendors, vendor answers, apply), which have
/// no HTTP path. No database: these hold on every provider alike.
/// </summary>
public sealed class OrderLifecycleTests
{
    private static readonly OrderStatus[] AllStatuses = Enum.GetValues<OrderStatus>();

    private static readonly string[] PersonActions =
        [OrderAction.Place, OrderAction.SaveAsDraft, OrderAction.Resume, OrderAction.Delete, OrderAction.Retry, OrderAction.Close,
         OrderAction.Approve, OrderAction.Reject, OrderAction.Cancel];

    [Theory]
    [MemberData(nameof(Statuses))]
    public void TheActionsAnOrderOffersABuyer_AreExactlyThoseThatSucceed(OrderStatus status)
    {
        var buyer = new Actor(Customer.UserId, Customer.Name, "ida@fabrikam.example", Fabrikam.Id, Fabrikam.Name, OrganizationType.Customer, [Role.CustomerAdmin]);
        // A buyer who may also decide on the order (an approver the rule names who did not create it).
        var offered = OrderLifecycle.ActionsFor(status, buyer, mayDecide: true);
        foreach (var action in PersonActions)
        {
            var order = Build(status);
            var succeeded = true;
            try { Run(order, action); }
            catch (DomainException) { succeeded = false; }
            Assert.True(succeeded == offered.Contains(action), $"{action} from {status}: offered {offered.Contains(action)}, succeeded {succeeded}");
        }
        Assert.Equal(OrderLifecycle.IsEditable(status), offered.Contains(OrderAction.Edit));
    }

    [Fact]
    public void ReadOnlyRoles_AreOfferedNothing_AndABillingAdminOnlyTheNote()
    {
        var support = new Actor(Seller.UserId, Seller.Name, "s@contoso.example", Contoso.Id, Contoso.Name, OrganizationType.Seller, [Role.SupportAgent]);
        var billing = new Actor(Customer.UserId, Customer.Name, "b@fabrikam.example", Fabrikam.Id, Fabrikam.Name, OrganizationType.Customer, [Role.CustomerBillingAdmin]);
        Assert.All(AllStatuses, s => Assert.Empty(OrderLifecycle.ActionsFor(s, support)));
        Assert.All(AllStatuses, s => Assert.Equal([OrderAction.EditNote], OrderLifecycle.ActionsFor(s, billing)));
    }

    [Fact]
    public void PlacingAnOrderThatWasAlreadyPlaced_SaysSoInTheUsersWords()
    {
        var order = Build(OrderStatus.ProvisioningStarted);
        var refusal = Assert.Throws<DomainException>(() => order.Place(Customer, T0.AddDays(1)));
        Assert.Equal("This order was already placed; it is now provisioningStarted.", refusal.Message);
        var retry = Assert.Throws<DomainException>(() => Build(OrderStatus.InProgress).Retry(new Dictionary<Guid, (AdminContact?, string?)>(), Customer, T0));
        Assert.Equal("An order in status inProgress cannot be retried; only provisioningFailed orders can.", retry.Message);
    }

    [Fact]
    public void TerminalStatuses_HaveNoWayOut()
    {
        foreach (var terminal in new[] { OrderStatus.Deleted, OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed,
                     OrderStatus.Rejected, OrderStatus.Cancelled })
            Assert.All(AllStatuses, to => Assert.False(OrderLifecycle.CanTransition(terminal, to), $"{terminal} → {to}"));
    }

    [Fact]
    public void OnlyStartedAndDraft_AreEditable() =>
        Assert.Equal([OrderStatus.Started, OrderStatus.Draft], AllStatuses.Where(OrderLifecycle.IsEditable));

    [Fact]
    public void Views_SplitTheStatusesAsOrdersMdSays()
    {
        Assert.Equal(
            new[] { OrderStatus.Started, OrderStatus.Deleted, OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFinished, OrderStatus.ProvisioningFailed,
                OrderStatus.Scheduled, OrderStatus.PendingApproval }.Order(),
            OrderLifecycle.StatusesOf(OrderView.Recent, HistoricalState.Active)!.Order());
        Assert.Equal(
            new[] { OrderStatus.InProgress, OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed,
                OrderStatus.Rejected, OrderStatus.Cancelled }.Order(),
            OrderLifecycle.StatusesOf(OrderView.Historical, HistoricalState.Active)!.Order());
        Assert.Equal([OrderStatus.Draft], OrderLifecycle.StatusesOf(OrderView.Historical, HistoricalState.Draft)!);
        Assert.Null(OrderLifecycle.StatusesOf(OrderView.Historical, HistoricalState.All));
        // Recent and Historical (active + draft) together hold every status exactly once.
        var split = OrderLifecycle.RecentStatuses.Concat(OrderLifecycle.HistoricalActiveStatuses).Concat(OrderLifecycle.HistoricalDraftStatuses).ToList();
        Assert.Equal(AllStatuses.Order(), split.Order());
    }

    // ---- the worker's transitions, through the domain ------------------------------------------

    [Fact]
    public void WorkerPath_InProgressToCompleted_RecordsEveryStepAsASystemEvent()
    {
        var order = Build(OrderStatus.InProgress);
        var placedEvents = order.Events.Count;

        order.StartProvisioning(T0.AddMinutes(10));
        Assert.Equal(OrderStatus.ProvisioningStarted, order.Status);
        Assert.All(order.Items, i => Assert.Equal(ItemProvisioningStatus.ProvisioningStarted, i.ProvisioningStatus));
        AssertLastEvent(order, OrderStatus.InProgress, OrderStatus.ProvisioningStarted, T0.AddMinutes(10), actor: null);

        order.RecordItemProvisioned(order.Items[0].Id, "v-1", T0.AddMinutes(11));
        Assert.Equal(OrderStatus.ProvisioningStarted, order.Status); // not all items answered yet
        order.RecordItemProvisioned(order.Items[1].Id, "v-2", T0.AddMinutes(12));
        Assert.Equal(OrderStatus.ProvisioningFinished, order.Status);
        AssertLastEvent(order, OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFinished, T0.AddMinutes(12), actor: null);
        Assert.Equal("v-1", order.Items[0].VendorReference);

        order.Complete(T0.AddMinutes(13));
        Assert.Equal(OrderStatus.Completed, order.Status);
        AssertLastEvent(order, OrderStatus.ProvisioningFinished, OrderStatus.Completed, T0.AddMinutes(13), actor: null);
        Assert.Equal(placedEvents + 3, order.Events.Count);
    }

    [Fact]
    public void WorkerPath_ARejection_EndsInProvisioningFailedWithTheVendorErrorKeptPerItem()
    {
        var order = Build(OrderStatus.ProvisioningStarted);
        order.RecordItemProvisioned(order.Items[0].Id, "v-1", T0.AddMinutes(20));
        order.RecordItemRejected(order.Items[1].Id, "TenantNameTaken", "The tenant name is taken.", T0.AddMinutes(21));

        Assert.Equal(OrderStatus.ProvisioningFailed, order.Status);
        Assert.Equal(ItemProvisioningStatus.ProvisioningFinished, order.Items[0].ProvisioningStatus);
        Assert.Equal(ItemProvisioningStatus.ProvisioningFailed, order.Items[1].ProvisioningStatus);
        Assert.Equal("TenantNameTaken", order.Items[1].ErrorCode);
        Assert.Equal("The tenant name is taken.", order.Items[1].ErrorMessage);
        var transition = AssertLastEvent(order, OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFailed, T0.AddMinutes(21), actor: null);
        Assert.Contains("The tenant name is taken.", transition.Reason);
        // The rejection itself is also in the history, with the vendor's words.
        Assert.Contains(order.Events, e => e.FromStatus == e.ToStatus && e.Reason.Contains("TenantNameTaken"));
    }

    [Fact]
    public void LateDuplicateVendorAnswer_ChangesNothing()
    {
        var order = Build(OrderStatus.ProvisioningStarted);
        order.RecordItemRejected(order.Items[0].Id, "X", "first answer", T0);
        var version = order.Version;
        var events = order.Events.Count;
        order.RecordItemProvisioned(order.Items[0].Id, "late", T0);
        Assert.Equal(ItemProvisioningStatus.ProvisioningFailed, order.Items[0].ProvisioningStatus);
        Assert.Equal((version, events), (order.Version, order.Events.Count));
    }

    [Fact]
    public void Retry_SendsOnlyTheRejectedItemsAgain_WithANewAttemptAndTheCorrections()
    {
        var order = Build(OrderStatus.ProvisioningFailed); // item 0 succeeded, item 1 rejected
        var succeeded = order.Items[0];
        var rejected = order.Items[1];
        var oldKey = rejected.IdempotencyKey;
        var succeededKey = succeeded.IdempotencyKey;

        var retried = order.Retry(new Dictionary<Guid, (AdminContact?, string?)>
        {
            [rejected.Id] = (new AdminContact("ops@fabrikam.example", "Olle", "Ek"), null),
        }, Seller, T0.AddHours(1));

        Assert.Equal([rejected.Id], retried.Select(i => i.Id));
        Assert.Equal(OrderStatus.ProvisioningStarted, order.Status);
        AssertLastEvent(order, OrderStatus.ProvisioningFailed, OrderStatus.ProvisioningStarted, T0.AddHours(1), Seller);
        Assert.Equal(ItemProvisioningStatus.Pending, rejected.ProvisioningStatus);
        Assert.Null(rejected.ErrorCode);
        Assert.Equal("ops@fabrikam.example", rejected.AdminEmail);
        Assert.NotEqual(oldKey, rejected.IdempotencyKey); // a new purchase attempt
        Assert.Equal(ItemProvisioningStatus.ProvisioningFinished, succeeded.ProvisioningStatus);
        Assert.Equal(succeededKey, succeeded.IdempotencyKey);
        Assert.Equal([rejected.Id], order.PendingItems.Select(i => i.Id));

        // The worker sends it again; this time it succeeds.
        order.StartProvisioning(T0.AddHours(2));
        order.RecordItemProvisioned(rejected.Id, "v-2", T0.AddHours(2));
        Assert.Equal(OrderStatus.ProvisioningFinished, order.Status);
    }

    [Fact]
    public void Retry_RefusesAnItemThatDidNotFail()
    {
        var order = Build(OrderStatus.ProvisioningFailed);
        var before = State(order);
        Assert.Throws<RequestValidationException>(() => order.Retry(
            new Dictionary<Guid, (AdminContact?, string?)> { [order.Items[0].Id] = (null, "other.onmicrosoft.com") }, Seller, T0));
        Assert.Equal(before, State(order));
    }

    [Fact]
    public void Close_WithSomeSucceeded_IsCompletedWithErrors_AndWithNoneSucceeded_IsFailed()
    {
        var some = Build(OrderStatus.ProvisioningFailed);
        some.Close(Customer, T0.AddDays(1));
        Assert.Equal(OrderStatus.CompletedWithErrors, some.Status);
        AssertLastEvent(some, OrderStatus.ProvisioningFailed, OrderStatus.CompletedWithErrors, T0.AddDays(1), Customer);
        Assert.Equal([some.Items[0].Id], some.SucceededItems.Select(i => i.Id));

        var none = Build(OrderStatus.ProvisioningStarted);
        foreach (var item in none.Items)
            none.RecordItemRejected(item.Id, "Nope", "Rejected.", T0);
        none.Close(Customer, T0.AddDays(1));
        Assert.Equal(OrderStatus.Failed, none.Status);
        AssertLastEvent(none, OrderStatus.ProvisioningFailed, OrderStatus.Failed, T0.AddDays(1), Customer);
        Assert.Empty(none.SucceededItems);
    }

    [Fact]
    public void CartOperations_RecordTheirTransitionsWithActorAndReason()
    {
        var order = Build(OrderStatus.Started);
        Assert.Equal((null, OrderStatus.Started), (order.Events[0].FromStatus, order.Events[0].ToStatus));
        order.SaveAsDraft(Customer, T0.AddMinutes(1));
        AssertLastEvent(order, OrderStatus.Started, OrderStatus.Draft, T0.AddMinutes(1), Customer);
        order.Resume(Seller, T0.AddMinutes(2));
        AssertLastEvent(order, OrderStatus.Draft, OrderStatus.Started, T0.AddMinutes(2), Seller);
        order.Place(Customer, T0.AddMinutes(3));
        AssertLastEvent(order, OrderStatus.Started, OrderStatus.InProgress, T0.AddMinutes(3), Customer);
        Assert.Equal(T0.AddMinutes(3), order.PlacedAt);
        Assert.Equal(T0.AddMinutes(3), order.Date); // the list date is the placement once placed

        var draft = Build(OrderStatus.Draft);
        draft.Delete(Customer, T0.AddMinutes(4));
        AssertLastEvent(draft, OrderStatus.Draft, OrderStatus.Deleted, T0.AddMinutes(4), Customer);
    }

    [Fact]
    public void AScheduledOrder_RunsOnlyOnceItsTimeHasCome_ThenGoesToTheVendors()
    {
        var order = Build(OrderStatus.Scheduled);
        Assert.Equal(T0.AddDays(30), order.ScheduledFor);
        Assert.False(OrderLifecycle.IsInFlight(OrderStatus.Scheduled)); // waiting months is not "in flight"
        Assert.Throws<DomainException>(() => order.StartProvisioning(T0.AddDays(30).AddSeconds(-1)));
        Assert.Equal(OrderStatus.Scheduled, order.Status);

        order.StartProvisioning(T0.AddDays(30));
        Assert.Equal(OrderStatus.ProvisioningStarted, order.Status);
        var transitions = order.Events.Where(e => e.FromStatus != e.ToStatus).Select(e => (e.FromStatus, e.ToStatus)).ToList();
        Assert.Equal([(OrderStatus.Started, OrderStatus.Scheduled), (OrderStatus.Scheduled, OrderStatus.InProgress), (OrderStatus.InProgress, OrderStatus.ProvisioningStarted)],
            transitions.Skip(1).ToList());
    }

    [Fact]
    public void Approving_ContinuesToScheduledWhenTheOrderHasASchedule_ElseToInProgress()
    {
        var plain = Build(OrderStatus.PendingApproval);
        plain.Approve("Go.", Seller, T0.AddHours(1));
        AssertLastEvent(plain, OrderStatus.PendingApproval, OrderStatus.InProgress, T0.AddHours(1), Seller);
        Assert.Equal("Approved: Go.", plain.Events[^1].Reason);

        var scheduled = Build(OrderStatus.Started);
        Schedule(scheduled);
        scheduled.Place(Customer, T0.AddMinutes(1), BigOrders, T0.AddDays(30));
        Assert.Equal(OrderStatus.PendingApproval, scheduled.Status);
        scheduled.Approve(null, Seller, T0.AddHours(1));
        AssertLastEvent(scheduled, OrderStatus.PendingApproval, OrderStatus.Scheduled, T0.AddHours(1), Seller);
        Assert.Equal(T0.AddDays(30), scheduled.ScheduledFor);
    }

    // ---- every operation in every status ----------------------------------------------------------

    /// <summary>The statuses from which each domain operation is allowed (orders.md, Lifecycle).</summary>
    private static readonly Dictionary<string, OrderStatus[]> AllowedFrom = new()
    {
        ["delete"] = [OrderStatus.Started, OrderStatus.Draft],
        ["saveAsDraft"] = [OrderStatus.Started],
        ["resume"] = [OrderStatus.Draft],
        ["place"] = [OrderStatus.Started, OrderStatus.Draft],
        ["startProvisioning"] = [OrderStatus.InProgress, OrderStatus.ProvisioningStarted],
        ["vendorAnswer"] = [OrderStatus.ProvisioningStarted],
        ["retry"] = [OrderStatus.ProvisioningFailed],
        ["complete"] = [OrderStatus.ProvisioningFinished],
        ["close"] = [OrderStatus.ProvisioningFailed],
        ["addItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["updateItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["removeItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["rename"] = [OrderStatus.Started, OrderStatus.Draft],
        ["payment"] = [OrderStatus.Started, OrderStatus.Draft],
        ["note"] = AllStatuses,
        ["schedule"] = [OrderStatus.Started, OrderStatus.Draft],
        ["approve"] = [OrderStatus.PendingApproval],
        ["reject"] = [OrderStatus.PendingApproval],
        ["cancel"] = [OrderStatus.Scheduled, OrderStatus.PendingApproval],
    };

    private static void Run(Order order, string operation)
    {
        var now = T0.AddDays(3);
        switch (operation)
        {
            case "delete": order.Delete(Customer, now); break;
            case "saveAsDraft": order.SaveAsDraft(Customer, now); break;
            case "resume": order.Resume(Customer, now); break;
            case "place": order.Place(Customer, now); break;
            case "startProvisioning": order.StartProvisioning(now); break;
            case "vendorAnswer": order.RecordItemProvisioned(order.Items[0].Id, "v", now); break;
            case "retry": order.Retry(new Dictionary<Guid, (AdminContact?, string?)>(), Customer, now); break;
            case "complete": order.Complete(now); break;
            case "close": order.Close(Customer, now); break;
            case "addItem": order.AddItem(AcronisSpec(4), Customer, now); break;
            case "updateItem": order.UpdateItem(order.Items[0].Id, AcronisSpec(6), Customer, now); break;
            case "removeItem": order.RemoveItem(order.Items[0].Id, Customer, now); break;
            case "rename": order.Rename("Renamed", Customer, now); break;
            case "payment": order.SetPayment(PaymentMethod.Card, "Visa", "4242", Customer, now); break;
            case "note": order.SetNote("A note", Customer, now); break;
            case "schedule": order.SetSchedule(ScheduleKind.At, now.AddDays(1), now.AddDays(1), Customer, now); break;
            case "approve": order.Approve("Fine.", Seller, now); break;
            case "reject": order.Reject("Too expensive.", Seller, now); break;
            case "cancel": order.Cancel(Customer, now); break;
            default: throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    public static TheoryData<OrderStatus> Statuses => new(AllStatuses);

    [Theory]
    [MemberData(nameof(Statuses))]
    public void EveryOperation_IsAllowedOnlyWhereTheTableSays_AndARefusalChangesNothing(OrderStatus status)
    {
        var failures = new List<string>();
        foreach (var (operation, allowed) in AllowedFrom)
        {
            var order = Build(status);
            Assert.Equal(status, order.Status);
            var before = State(order);
            Exception? error = null;
            try { Run(order, operation); }
            catch (Exception e) { error = e; }

            if (allowed.Contains(status))
            {
                if (error is not null) failures.Add($"{operation} from {status} should be allowed but threw {error.GetType().Name}: {error.Message}");
                else if (order.Status != status && !OrderLifecycle.CanTransition(status, order.Status))
                    failures.Add($"{operation} moved {status} to {order.Status}, which the table does not allow");
            }
            else
            {
                if (error is not DomainException)
                    failures.Add($"{operation} from {status} should be refused with a DomainException (409) but {(error is null ? $"succeeded (now {order.Status})" : "threw " + error.GetType().Name)}");
                else if (State(order) != before)
                    failures.Add($"{operation} from {status} was refused but changed the order: {before} → {State(order)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---- building orders in every status ----------------------------------------------------------

    private static readonly DateTime T0 = new(2026, 11, 25, 9, 30, 0, DateTimeKind.Utc);
    private static readonly Organization Contoso = new(Guid.NewGuid(), "Contoso Cloud", OrganizationType.Seller, Guid.NewGuid(), "DK", 10m, 20m);
    private static readonly Organization Fabrikam = new(Guid.NewGuid(), "Fabrikam Ltd", OrganizationType.Customer, Contoso.Id, "DK");
    private static readonly EventActor Customer = new(Guid.NewGuid(), "Ida Lund", Fabrikam.Id, Fabrikam.Name);
    private static readonly EventActor Seller = new(Guid.NewGuid(), "Anna Berg", Contoso.Id, Contoso.Name);
    private static readonly Offer E3 = new("ms-365-e3", "microsoft", "Microsoft 365 E3", 30m, "EUR", 1, 10000, 12, true, true);
    private static readonly Offer Acronis = new("acronis-cyber-protect-standard", "acronis", "Acronis Cyber Protect Standard", 6.25m, "EUR", 1, 1000, 1, false, true);

    private static ItemSpec AcronisSpec(int quantity) => new(OrderItemKind.NewSubscription, Acronis, null, quantity, BillingCycle.Monthly, [],
        new AdminContact("it@fabrikam.example", "Ida", "Lund"), null, null, null, 10m, 20m);

    private static ItemSpec IncreaseSpec()
    {
        var subscription = new Subscription(Guid.NewGuid(), Fabrikam.Id, E3, 10, BillingCycle.Monthly, true, T0.AddYears(-1), 12m,
            new AdminContact("it@fabrikam.example", "Ida", "Lund"), "fabrikam.onmicrosoft.com", null);
        return new ItemSpec(OrderItemKind.IncreaseQuantity, E3, subscription, 15, BillingCycle.Monthly, [], null, null, null, null, 10m, 12m);
    }

    /// <summary>An order of two items brought to a status through the domain's own operations.</summary>
    private static Order Build(OrderStatus status)
    {
        var order = Order.CreateCart(Fabrikam, Customer, OrganizationType.Customer, null, T0);
        order.AddItem(AcronisSpec(3), Customer, T0);
        order.AddItem(IncreaseSpec(), Customer, T0);
        void Answer(params bool[] ok)
        {
            order.StartProvisioning(T0.AddMinutes(2));
            for (var i = 0; i < ok.Length; i++)
                if (ok[i]) order.RecordItemProvisioned(order.Items[i].Id, $"v-{i}", T0.AddMinutes(3));
                else order.RecordItemRejected(order.Items[i].Id, "Bad", "Rejected by the vendor.", T0.AddMinutes(3));
        }
        switch (status)
        {
            case OrderStatus.Started: break;
            case OrderStatus.Deleted: order.Delete(Customer, T0.AddMinutes(1)); break;
            case OrderStatus.Draft: order.SaveAsDraft(Customer, T0.AddMinutes(1)); break;
            case OrderStatus.InProgress: order.Place(Customer, T0.AddMinutes(1)); break;
            case OrderStatus.ProvisioningStarted: order.Place(Customer, T0.AddMinutes(1)); order.StartProvisioning(T0.AddMinutes(2)); break;
            case OrderStatus.ProvisioningFinished: order.Place(Customer, T0.AddMinutes(1)); Answer(true, true); break;
            case OrderStatus.ProvisioningFailed: order.Place(Customer, T0.AddMinutes(1)); Answer(true, false); break;
            case OrderStatus.Completed: order.Place(Customer, T0.AddMinutes(1)); Answer(true, true); order.Complete(T0.AddMinutes(4)); break;
            case OrderStatus.CompletedWithErrors: order.Place(Customer, T0.AddMinutes(1)); Answer(true, false); order.Close(Customer, T0.AddMinutes(4)); break;
            case OrderStatus.Failed: order.Place(Customer, T0.AddMinutes(1)); Answer(false, false); order.Close(Customer, T0.AddMinutes(4)); break;
            // Scheduled a month ahead: not due when the operations run (T0 + 3 days).
            case OrderStatus.Scheduled: Schedule(order); order.Place(Customer, T0.AddMinutes(1), null, T0.AddDays(30)); break;
            case OrderStatus.PendingApproval: order.Place(Customer, T0.AddMinutes(1), BigOrders); break;
            case OrderStatus.Rejected: order.Place(Customer, T0.AddMinutes(1), BigOrders); order.Reject("No budget.", Seller, T0.AddMinutes(2)); break;
            case OrderStatus.Cancelled: Schedule(order); order.Place(Customer, T0.AddMinutes(1), null, T0.AddDays(30)); order.Cancel(Customer, T0.AddMinutes(2)); break;
        }
        return order;
    }

    private static readonly ApprovalMatch BigOrders = new("Big orders", [Role.SellerAdmin], false);

    private static void Schedule(Order order) => order.SetSchedule(ScheduleKind.At, T0.AddDays(30), T0.AddDays(30), Customer, T0);

    private static string State(Order o) =>
        $"{o.Status} v{o.Version} events={o.Events.Count} name={o.Name} note={o.Note} placed={o.PlacedAt:O} pay={o.PaymentMethod} items=" +
        string.Join(";", o.Items.Select(i => $"{i.Id}:{i.Kind}:{i.Quantity}:{i.ProvisioningStatus}:{i.ProvisioningAttempt}:{i.ErrorCode}"));

    private static OrderEvent AssertLastEvent(Order order, OrderStatus from, OrderStatus to, DateTime at, EventActor? actor)
    {
        var e = order.Events[^1];
        Assert.Equal(from, e.FromStatus);
        Assert.Equal(to, e.ToStatus);
        Assert.Equal(at, e.At);
        Assert.Equal(actor?.UserId, e.ActorUserId);
        Assert.Equal(actor?.Name, e.ActorName);
        Assert.Equal(actor?.OrganizationName, e.ActorOrganizationName);
        Assert.False(string.IsNullOrWhiteSpace(e.Reason));
        return e;
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// Every change to an order, shared by the API (<see cref="OrdersApi"/>) and the pages, so both go
/// through the same checks: load the visible order, check the role and the version the client last
/// saw, call one domain method, save once, answer with the whole order as the caller may see it.
/// </summary>
/// <remarks>
/// <c>ifMatch</c> is the version the client last saw, as the ETag the API sends (<c>"7"</c>); null or
/// <c>*</c> accepts any version. A stale version is refused with 409 and nothing changes.
/// </remarks>
public static class OrderCommands
{
    public static async Task<OrderDetailDto> CreateAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock,
        OrderOptions limits, CreateOrderRequest? request, CancellationToken ct)
    {
        EnsureCanBuy(ctx);
        if (request is null) throw RequestValidationException.For("body", "A JSON body { name?, items: [...] } is required.");
        CheckName(request.Name);
        var now = Now(clock);
        // Counted before any item is looked at: an oversized order costs nothing to refuse.
        EnsureRoom(limits, existing: 0, adding: request.Items?.Count ?? 0);
        var validator = await OrderValidator.LoadAsync(db, ctx, request.Items ?? [], now, ct);
        validator.RunsAt(validator.ScheduledFor(request.Schedule, request.Items ?? []));
        var errors = new ValidationErrors();
        var specs = new List<ItemSpec>();
        foreach (var (item, i) in (request.Items ?? []).Select((item, i) => (item, i)))
        {
            try { specs.Add(validator.Resolve(item ?? new OrderItemRequest(null), $"items[{i}]")); }
            catch (RequestValidationException e) { foreach (var (k, v) in e.Errors) foreach (var m in v) errors.Add(k, m); }
        }
        errors.ThrowIfAny();

        var creator = EventActorOf(ctx);
        var order = Order.CreateCart(ctx.Customer, creator, ctx.Actor.OrganizationType, request.Name, now);
        foreach (var spec in specs)
            order.AddItem(spec, creator, now);
        if (request.Schedule is { } schedule)
            await ScheduleAsync(db, ctx, validator, order, schedule, creator, now, ct);
        db.Orders.Add(order);
        await db.SaveChangesAsync(ct);
        return OrderQueries.ToDetail(order, ctx, now);
    }

    public static Task<OrderDetailDto> UpdateAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        UpdateOrderRequest? request, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "A JSON body is required.");
            CheckName(request.Name);
            if (request.Name is not null) order.Rename(request.Name, actor, now);
            if (request.PaymentMethod is { } method)
            {
                CheckPayment(method, request.CardBrand, request.CardLast4);
                order.SetPayment(method, request.CardBrand?.Trim(), request.CardLast4, actor, now);
            }
            return Task.CompletedTask;
        });

    /// <summary>A card payment names the brand and the last four digits: 400 naming each field that does not.</summary>
    private static void CheckPayment(PaymentMethod method, string? cardBrand, string? cardLast4)
    {
        var errors = new ValidationErrors();
        if (method == PaymentMethod.Card)
        {
            if (string.IsNullOrWhiteSpace(cardBrand) || cardBrand.Length > 30 || OrderValidator.HasNul(cardBrand))
                errors.Add("cardBrand", "Required for card payment, at most 30 characters.");
            if (cardLast4 is not { Length: 4 } last4 || !last4.All(char.IsAsciiDigit))
                errors.Add("cardLast4", "The last four digits of the card.");
        }
        errors.ThrowIfAny();
    }

    public static Task<OrderDetailDto> AddItemAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, OrderOptions limits, long id,
        OrderItemRequest? request, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, async (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "An item is required.");
            order.EnsureEditableForRequest();
            EnsureRoom(limits, order.Items.Count, adding: 1);
            // Judged at the moment the order will run, when it is already scheduled.
            var validator = (await OrderValidator.LoadAsync(db, ctx, [request], now, ct)).RunsAt(order.ScheduledFor);
            order.AddItem(validator.Resolve(request), actor, now);
        });

    public static Task<OrderDetailDto> UpdateItemAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, Guid itemId,
        OrderItemRequest? request, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, async (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "An item is required.");
            EnsureItemVisible(order, itemId, ctx);
            order.EnsureEditableForRequest();
            var validator = (await OrderValidator.LoadAsync(db, ctx, [request], now, ct)).RunsAt(order.ScheduledFor);
            order.UpdateItem(itemId, validator.Resolve(request), actor, now);
        });

    public static Task<OrderDetailDto> RemoveItemAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, Guid itemId,
        string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) =>
        {
            EnsureItemVisible(order, itemId, ctx);
            // Without its last visible item the order would be markup-only and vanish for this user
            // mid-request (a removal answered 404). Refused instead, with what to do.
            var others = order.Items.Where(i => i.Id != itemId).ToList();
            if (others.Count > 0 && !others.Any(i => OrderVisibility.SeesItem(ctx, i.Kind)))
                throw new DomainException("This is the last item of the order you can see; the rest are changes only your seller can make. Delete the order, or ask your seller to change it.");
            order.RemoveItem(itemId, actor, now);
            return Task.CompletedTask;
        });

    public static Task<OrderDetailDto> SaveAsDraftAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) => { order.SaveAsDraft(actor, now); return Task.CompletedTask; });

    public static Task<OrderDetailDto> ResumeAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) => { order.Resume(actor, now); return Task.CompletedTask; });

    public static Task<OrderDetailDto> DeleteAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) => { order.Delete(actor, now); return Task.CompletedTask; });

    public static Task<OrderDetailDto> SetNoteAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        NoteRequest? request, string? ifMatch, CancellationToken ct) =>
        SetNoteAsync(db, ctx, clock, id, request, ifMatch, internalNote: false, ct);

    /// <summary>The seller's and distributor's internal note: the note's rules, but customer-level users get 403.</summary>
    public static Task<OrderDetailDto> SetInternalNoteAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        NoteRequest? request, string? ifMatch, CancellationToken ct) =>
        SetNoteAsync(db, ctx, clock, id, request, ifMatch, internalNote: true, ct);

    private static Task<OrderDetailDto> SetNoteAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        NoteRequest? request, string? ifMatch, bool internalNote, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: false, ct, (order, actor, now) =>
        {
            if (internalNote && !ctx.Actor.CanWriteInternalNotes)
                throw new ForbiddenException("Only seller- and distributor-level users (except the read-only roles) write internal notes.");
            if (!ctx.Actor.CanWriteNotes) throw new ForbiddenException("Your role may read orders but not write notes.");
            if (request is null) throw RequestValidationException.For("text", "Required: the note's text, or null or \"\" to remove the note.");
            if (request.Text is { Length: > Order.MaxNoteLength } || OrderValidator.HasNul(request.Text))
                throw RequestValidationException.For("text", $"At most {Order.MaxNoteLength} characters, without NUL characters.");
            if (internalNote) order.SetInternalNote(request.Text, actor, now);
            else order.SetNote(request.Text, actor, now);
            return Task.CompletedTask;
        });

    public static Task<OrderDetailDto> RetryAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        RetryRequest? request, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, async (order, actor, now) =>
        {
            var errors = new ValidationErrors();
            var corrections = new Dictionary<Guid, (AdminContact?, string?)>();
            var othersTenants = await OrderValidator.OthersTenantsAsync(db, ctx, (request?.Items ?? []).Select(c => c?.TenantName), ct);
            foreach (var (c, i) in (request?.Items ?? []).Select((c, i) => (c, i)))
            {
                var f = $"items[{i}]";
                if (c?.ItemId is not { } itemId) { errors.Add($"{f}.itemId", "Required."); continue; }
                if (c.AdminContact is not null) OrderValidator.CheckContact(c.AdminContact, $"{f}.adminContact", errors);
                if (c.TenantName is not null)
                {
                    OrderValidator.CheckTenant(c.TenantName, $"{f}.tenantName", errors, required: false);
                    OrderValidator.CheckTenantOwner(c.TenantName, othersTenants, $"{f}.tenantName", errors);
                }
                if (!corrections.TryAdd(itemId, (c.AdminContact is { Email: { } e } a ? new AdminContact(e.Trim(), a.FirstName?.Trim() ?? "", a.LastName?.Trim() ?? "") : null, c.TenantName)))
                    errors.Add($"{f}.itemId", "Each item may be corrected once.");
                else if (!order.Items.Any(x => x.Id == itemId && OrderVisibility.SeesItem(ctx, x.Kind)))
                    errors.Add($"{f}.itemId", "Not an item of this order.");
            }
            errors.ThrowIfAny();
            order.Retry(corrections, actor, now);
            ProvisioningJobQueue.Enqueue(db, order.Id, now);
        });

    public static Task<OrderDetailDto> CloseAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) => OrderCompletion.CloseAsync(db, order, actor, now, ct));

    /// <summary>PUT /orders/{id}/schedule: when a cart or draft runs once placed (workflow.md, Scheduling).</summary>
    public static Task<OrderDetailDto> SetScheduleAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        ScheduleRequest? request, string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, async (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "A JSON body { when, at? } is required.");
            order.EnsureEditableForRequest();
            var validator = await OrderValidator.LoadAsync(db, ctx, order, now, ct);
            await ScheduleAsync(db, ctx, validator, order, request, actor, now, ct);
        });

    /// <summary>Checks a schedule against the order's items (400) and the subscriptions' other scheduled orders (409), then sets it.</summary>
    private static async Task ScheduleAsync(AppDbContext db, CustomerContext ctx, OrderValidator validator, Order order, ScheduleRequest request,
        EventActor actor, DateTime now, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var scheduledFor = validator.ScheduledFor(request, order, errors);
        errors.ThrowIfAny("The schedule cannot be used; correct the fields listed.");
        order.SetSchedule(request.When!.Value, request.At, scheduledFor, actor, now);
        await OrderSchedule.EnsureNoOtherScheduledAsync(db, ctx, order, ct);
    }

    /// <summary>Withdraws a scheduled order or one waiting for approval: cancelled, nothing ever sent to a vendor (buyers).</summary>
    public static Task<OrderDetailDto> CancelAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, string? ifMatch, CancellationToken ct) =>
        // Its outbox row, if scheduled, stays: when due, the worker finds the order cancelled and ends the job untouched.
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, (order, actor, now) => { order.Cancel(actor, now); return Task.CompletedTask; });

    public const int MaxCommentLength = 2000;

    /// <summary>An approver lets a pending order go on: to the vendors now, or scheduled (workflow.md, Approvals).</summary>
    public static Task<OrderDetailDto> ApproveAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, ApproveRequest? request,
        string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: false, ct, (order, actor, now) =>
        {
            EnsureNotReadOnly(ctx);
            CheckApprovalComment(request?.Comment);
            EnsureMayDecide(ctx, order, OrderAction.Approve);
            order.Approve(request?.Comment, actor, now);
            // As placing does: the outbox row commits with the decision, due now or at the scheduled moment.
            ProvisioningJobQueue.Enqueue(db, order.Id, now, order.Status == OrderStatus.Scheduled ? order.ScheduledFor : null);
            return Task.CompletedTask;
        });

    /// <summary>An approval's optional comment, kept in the order's events (400 naming <c>comment</c>).</summary>
    public static void CheckApprovalComment(string? comment)
    {
        if (comment is { Length: > MaxCommentLength } || OrderValidator.HasNul(comment))
            throw RequestValidationException.For("comment", $"At most {MaxCommentLength} characters, without NUL characters.");
    }

    /// <summary>An approver refuses a pending order with a reason (required): rejected, nothing sent to a vendor.</summary>
    public static Task<OrderDetailDto> RejectAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, RejectRequest? request,
        string? ifMatch, CancellationToken ct) =>
        ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: false, ct, (order, actor, now) =>
        {
            EnsureNotReadOnly(ctx);
            if (string.IsNullOrWhiteSpace(request?.Reason))
                throw RequestValidationException.For("reason", "Required: why the order is rejected (the buyer reads it).");
            if (request.Reason.Length > MaxCommentLength || OrderValidator.HasNul(request.Reason))
                throw RequestValidationException.For("reason", $"At most {MaxCommentLength} characters, without NUL characters.");
            EnsureMayDecide(ctx, order, OrderAction.Reject);
            order.Reject(request.Reason, actor, now);
            return Task.CompletedTask;
        });

    /// <summary>A read-only role decides nothing, whatever the order (403 before anything else, as for the buyers' changes).</summary>
    private static void EnsureNotReadOnly(CustomerContext ctx)
    {
        if (!ctx.Actor.Roles.Any(Identity.Permissions.MayApprove)) throw new ForbiddenException(ApprovalRules.ReadOnlyRefusal);
    }

    /// <summary>A decision on an order that waits for none is a refused transition (409); by someone the rule does not name, 403.</summary>
    private static void EnsureMayDecide(CustomerContext ctx, Order order, string action)
    {
        OrderLifecycle.EnsureAllows(order.Status, action);
        if (ApprovalRules.DecisionRefusal(ctx.Actor, order) is { } refusal) throw new ForbiddenException(refusal);
    }

    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>
    /// Places the order once per idempotency key: a repeated key (a double click, a client retry)
    /// answers with the order as the first request left it and never places twice.
    /// </summary>
    /// <remarks>
    /// <paramref name="payment"/> is the payment the buyer chose on the same form as "Place" (the cart
    /// page): it is checked and set in the same unit of work as the placement, so it is either used or
    /// refused with its field errors, and nothing is placed; never silently dropped.
    /// </remarks>
    public static async Task<OrderDetailDto> PlaceAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        string? idempotencyKey, string? ifMatch, CancellationToken ct, UpdateOrderRequest? payment = null, ScheduleRequest? schedule = null)
    {
        var key = idempotencyKey ?? "";
        if (key.Length > MaxIdempotencyKeyLength) throw RequestValidationException.For(PlaceIdempotency.Header, $"At most {MaxIdempotencyKeyLength} characters.");
        if (key.Length > 0 && await PlacedBeforeAsync(db, ctx, key, id, Now(clock), ct) is { } earlier)
            return earlier;

        try
        {
            return await ChangeAsync(db, ctx, clock, id, ifMatch, requireBuyer: true, ct, async (order, actor, now) =>
            {
                // A status that cannot be placed is a refused transition (409), whatever its items hold.
                OrderLifecycle.EnsureAllows(order.Status, OrderAction.Place);
                if (payment?.PaymentMethod is { } method)
                {
                    CheckPayment(method, payment.CardBrand, payment.CardLast4);
                    var brand = payment.CardBrand?.Trim();
                    if (!order.PaysWith(method, brand, payment.CardLast4))
                        order.SetPayment(method, brand, payment.CardLast4, actor, now);
                }
                var validator = await OrderValidator.LoadAsync(db, ctx, order, now, ct);
                // The schedule chosen on the page's place step, else the order's own, checked again against today's
                // subscriptions (an onRenewal order runs at their renewal as it is now); the items are judged as of then.
                var when = schedule ?? new ScheduleRequest(order.Schedule, order.ScheduledAt);
                var errors = new ValidationErrors();
                var scheduledFor = validator.ScheduledFor(when, order, errors);
                validator.RunsAt(scheduledFor).ValidateForPlacing(order);
                errors.ThrowIfAny("The order cannot be placed; correct the fields listed.");
                if (schedule is not null && (schedule.When != order.Schedule || schedule.At != order.ScheduledAt))
                    order.SetSchedule(schedule.When!.Value, schedule.At, scheduledFor, actor, now);
                await OrderSchedule.EnsureNoOtherScheduledAsync(db, ctx, order, ct);
                order.Place(actor, now, await ApprovalRules.MatchAsync(db, ctx, order, ct), scheduledFor);
                // The outbox row commits with the status change: a placed order always reaches the worker, now or
                // when its time comes. An order waiting for approval gets its row when approved.
                if (order.Status != OrderStatus.PendingApproval)
                    ProvisioningJobQueue.Enqueue(db, order.Id, now, order.ScheduledFor);
                if (key.Length > 0)
                    db.PlaceIdempotency.Add(new PlaceIdempotency(ctx.Actor.UserId, key, order.Id, now));
            });
        }
        catch (Exception e) when (key.Length > 0 && e is DbUpdateException or DomainException)
        {
            // A concurrent request with the same key won the race: answer with its result.
            db.ChangeTracker.Clear();
            if (await PlacedBeforeAsync(db, ctx, key, id, Now(clock), ct) is { } winner) return winner;
            throw;
        }
    }

    private static async Task<OrderDetailDto?> PlacedBeforeAsync(AppDbContext db, CustomerContext ctx, string key, long id, DateTime now, CancellationToken ct)
    {
        var record = await db.PlaceIdempotency.AsNoTracking().SingleOrDefaultAsync(p => p.UserId == ctx.Actor.UserId && p.Key == key, ct);
        if (record is null) return null;
        if (record.OrderId != id)
            throw new DomainException($"This Idempotency-Key was already used to place order {record.OrderId}; use a new key for another order.");
        return await OrderQueries.DetailAsync(db, ctx, id, now, ct) ?? throw new NotFoundException($"Order {id}");
    }

    /// <summary>The shape of every order change; a lost race on the version token becomes 409.</summary>
    private static async Task<OrderDetailDto> ChangeAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id,
        string? ifMatch, bool requireBuyer, CancellationToken ct, Func<Order, EventActor, DateTime, Task> change)
    {
        var order = await db.Orders.VisibleOrders(ctx).WithItems(db).SingleOrDefaultAsync(o => o.Id == id, ct)
                    ?? throw new NotFoundException($"Order {id}");
        if (requireBuyer) EnsureCanBuy(ctx);
        // The version the caller can see: a hidden markup edit since a customer's read is no conflict for them.
        var seen = OrderVisibility.VersionSeenBy(ctx, order);
        if (!OrderVersion.Matches(ifMatch, seen))
            throw new ConcurrencyConflictException($"The order changed since version {ifMatch}; it is now at {OrderVersion.ETag(seen)}. Reload it and try again.");
        await change(order, EventActorOf(ctx), Now(clock));
        await db.SaveChangesAsync(ct);
        // The answer is built from the order just saved, with its history read in one statement, instead of
        // reading the whole order again (4 statements; docs/performance.md). A change that left it markup-only
        // leaves nothing a customer-level caller may see, as a fresh read would find.
        if (!OrderVisibility.SeesOrder(ctx, order)) throw new NotFoundException($"Order {id}");
        // Tracked, so the events join the order's collection. A compiled query: the collection's own loader builds and
        // looks up its query anew on every call (docs/performance.md, point 36).
        await foreach (var _ in OrderEventsQuery.For(db)(db, order.Id).WithCancellation(ct)) { }
        return await OrderQueries.DetailOfAsync(db, ctx, order, Now(clock), ct);
    }

    private static readonly PerModel<Func<AppDbContext, long, IAsyncEnumerable<OrderEvent>>> OrderEventsQuery =
        new(() => EF.CompileAsyncQuery((AppDbContext db, long orderId) => db.OrderEvents.Where(e => e.OrderId == orderId)));

    public static void EnsureCanBuy(CustomerContext ctx)
    {
        if (!ctx.Actor.CanBuy) throw new ForbiddenException("Your role may see orders but not buy or change subscriptions.");
    }

    private static void EnsureItemVisible(Order order, Guid itemId, CustomerContext ctx)
    {
        if (!order.Items.Any(i => i.Id == itemId && OrderVisibility.SeesItem(ctx, i.Kind)))
            throw new NotFoundException($"Item {itemId}");
    }

    /// <summary>
    /// The items-per-order limit (<see cref="OrderOptions.MaxItemsPerOrder"/>): 400 naming it. The answer
    /// says only the limit, not how many items the order holds, which may include items the caller cannot see.
    /// </summary>
    private static void EnsureRoom(OrderOptions limits, int existing, int adding)
    {
        if (existing + adding > limits.MaxItemsPerOrder)
            throw RequestValidationException.For("items", existing == 0
                ? $"An order holds at most {limits.MaxItemsPerOrder} items; split this one into several orders."
                : $"An order holds at most {limits.MaxItemsPerOrder} items and this one is full; place it and start another.");
    }

    private static void CheckName(string? name)
    {
        if (name is not null && (string.IsNullOrWhiteSpace(name) || name.Length > Order.MaxNameLength || OrderValidator.HasNul(name)))
            throw RequestValidationException.For("name", $"1 to {Order.MaxNameLength} characters.");
    }

    public static EventActor EventActorOf(CustomerContext ctx) =>
        new(ctx.Actor.UserId, ctx.Actor.Name, ctx.Actor.OrganizationId, ctx.Actor.OrganizationName);

    /// <summary>
    /// Now, to the microsecond: what PostgreSQL keeps of a timestamp. A change answers with the order it
    /// saved, not a fresh read of it, so its times must already be what a read would give.
    /// </summary>
    private static DateTime Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}

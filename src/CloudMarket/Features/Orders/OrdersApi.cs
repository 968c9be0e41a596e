using System.Text;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Provisioning;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>The orders endpoints of api.md. Handlers load, call one domain method, save once, answer the whole order.</summary>
public static class OrdersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/orders").WithTags("Orders");
        group.MapGet("/", List).WithName("ListOrders");
        group.MapGet("/export", Export).WithName("ExportOrders").Produces(200, contentType: "text/csv");
        group.MapGet("/{id:long}", Get).WithName("GetOrder");
        group.MapPost("/", Create).WithName("CreateOrder");
        group.MapPatch("/{id:long}", Update).WithName("UpdateOrder");
        group.MapPost("/{id:long}/items", AddItem).WithName("AddOrderItem");
        group.MapPut("/{id:long}/items/{itemId:guid}", UpdateItem).WithName("UpdateOrderItem");
        group.MapDelete("/{id:long}/items/{itemId:guid}", RemoveItem).WithName("RemoveOrderItem");
        group.MapPost("/{id:long}/draft", SaveAsDraft).WithName("SaveOrderAsDraft");
        group.MapPost("/{id:long}/resume", Resume).WithName("ResumeOrder");
        group.MapPost("/{id:long}/place", Place).WithName("PlaceOrder");
        group.MapDelete("/{id:long}", Delete).WithName("DeleteOrder");
        group.MapPost("/{id:long}/retry", Retry).WithName("RetryOrder");
        group.MapPost("/{id:long}/close", Close).WithName("CloseOrder");
        group.MapPut("/{id:long}/note", SetNote).WithName("SetOrderNote");
        return group;
    }

    private static async Task<Ok<OrderListDto>> List(CustomerContext ctx, AppDbContext db, CancellationToken ct,
        string? view = null, string? state = null, string? status = null, string? createdBy = null,
        string? from = null, string? to = null, string? q = null, string? limit = null, string? cursor = null)
    {
        var filter = OrderListFilter.Parse(view, state, status, createdBy, from, to, q);
        return TypedResults.Ok(await OrderQueries.ListAsync(db, ctx, filter, cursor, ParseLimit(limit), ct));
    }

    private static int ParseLimit(string? limit)
    {
        if (limit is null) return OrderListFilter.DefaultLimit;
        if (int.TryParse(limit, out var n) && n is >= 1 and <= OrderListFilter.MaxLimit) return n;
        throw RequestValidationException.For("limit", $"Must be a whole number from 1 to {OrderListFilter.MaxLimit}.");
    }

    private static async Task Export(HttpContext http, CustomerContext ctx, AppDbContext db, CancellationToken ct,
        string? view = null, string? state = null, string? status = null, string? createdBy = null,
        string? from = null, string? to = null, string? q = null)
    {
        var filter = OrderListFilter.Parse(view, state, status, createdBy, from, to, q);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"orders-{filter.View.ToString().ToLowerInvariant()}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        await OrderCsv.WriteAsync(writer, OrderQueries.ExportAsync(db, ctx, filter, ct), ct);
    }

    private static async Task<Results<Ok<OrderDetailDto>, NotFound>> Get(long id, CustomerContext ctx, AppDbContext db, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderQueries.DetailAsync(db, ctx, id, ct);
        if (detail is null) throw new NotFoundException($"Order {id}");
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Ok(detail);
    }

    private static async Task<Created<OrderDetailDto>> Create(CreateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        EnsureCanBuy(ctx);
        if (request is null) throw RequestValidationException.For("body", "A JSON body { name?, items: [...] } is required.");
        CheckName(request.Name);
        var validator = await OrderValidator.LoadAsync(db, ctx, ct);
        var errors = new ValidationErrors();
        var specs = new List<ItemSpec>();
        foreach (var (item, i) in (request.Items ?? []).Select((item, i) => (item, i)))
        {
            try { specs.Add(validator.Resolve(item ?? new OrderItemRequest(null), $"items[{i}]")); }
            catch (RequestValidationException e) { foreach (var (k, v) in e.Errors) foreach (var m in v) errors.Add(k, m); }
        }
        errors.ThrowIfAny();

        var now = Now(clock);
        var creator = EventActorOf(ctx);
        var order = Order.CreateCart(ctx.Customer, creator, ctx.Actor.OrganizationType, request.Name, now);
        foreach (var spec in specs)
            order.AddItem(spec, creator, now);
        db.Orders.Add(order);
        await db.SaveChangesAsync(ct);
        var detail = OrderQueries.ToDetail(order, ctx);
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Created($"/api/v1/orders/{order.Id}", detail);
    }

    private static Task<Ok<OrderDetailDto>> Update(long id, UpdateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "A JSON body is required.");
            CheckName(request.Name);
            if (request.Name is not null) order.Rename(request.Name, actor, now);
            if (request.PaymentMethod is { } method)
            {
                var errors = new ValidationErrors();
                if (method == PaymentMethod.Card)
                {
                    if (string.IsNullOrWhiteSpace(request.CardBrand) || request.CardBrand.Length > 30 || OrderValidator.HasNul(request.CardBrand))
                        errors.Add("cardBrand", "Required for card payment, at most 30 characters.");
                    if (request.CardLast4 is not { Length: 4 } last4 || !last4.All(char.IsAsciiDigit))
                        errors.Add("cardLast4", "The last four digits of the card.");
                }
                errors.ThrowIfAny();
                order.SetPayment(method, request.CardBrand?.Trim(), request.CardLast4, actor, now);
            }
            return Task.CompletedTask;
        });

    private static Task<Ok<OrderDetailDto>> AddItem(long id, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, async (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "An item is required.");
            order.EnsureEditableForRequest();
            var validator = await OrderValidator.LoadAsync(db, ctx, ct);
            order.AddItem(validator.Resolve(request), actor, now);
        });

    private static Task<Ok<OrderDetailDto>> UpdateItem(long id, Guid itemId, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, async (order, actor, now) =>
        {
            if (request is null) throw RequestValidationException.For("body", "An item is required.");
            EnsureItemVisible(order, itemId, ctx);
            order.EnsureEditableForRequest();
            var validator = await OrderValidator.LoadAsync(db, ctx, ct);
            order.UpdateItem(itemId, validator.Resolve(request), actor, now);
        });

    private static Task<Ok<OrderDetailDto>> RemoveItem(long id, Guid itemId, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) =>
        {
            EnsureItemVisible(order, itemId, ctx);
            order.RemoveItem(itemId, actor, now);
            return Task.CompletedTask;
        });

    private static Task<Ok<OrderDetailDto>> SaveAsDraft(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) => { order.SaveAsDraft(actor, now); return Task.CompletedTask; });

    private static Task<Ok<OrderDetailDto>> Resume(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) => { order.Resume(actor, now); return Task.CompletedTask; });

    private static Task<Ok<OrderDetailDto>> Delete(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) => { order.Delete(actor, now); return Task.CompletedTask; });

    private static Task<Ok<OrderDetailDto>> SetNote(long id, NoteRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: false, (order, actor, now) =>
        {
            if (!ctx.Actor.CanWriteNotes) throw new ForbiddenException("Your role may read orders but not write notes.");
            if (request is null) throw RequestValidationException.For("text", "Required (an empty text removes the note).");
            if (request.Text is { Length: > Order.MaxNoteLength } || OrderValidator.HasNul(request.Text))
                throw RequestValidationException.For("text", $"At most {Order.MaxNoteLength} characters, without NUL characters.");
            order.SetNote(request.Text, actor, now);
            return Task.CompletedTask;
        });

    private static Task<Ok<OrderDetailDto>> Retry(long id, RetryRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) =>
        {
            var errors = new ValidationErrors();
            var corrections = new Dictionary<Guid, (AdminContact?, string?)>();
            foreach (var (c, i) in (request?.Items ?? []).Select((c, i) => (c, i)))
            {
                var f = $"items[{i}]";
                if (c?.ItemId is not { } itemId) { errors.Add($"{f}.itemId", "Required."); continue; }
                if (c.AdminContact is not null) OrderValidator.CheckContact(c.AdminContact, $"{f}.adminContact", errors);
                if (c.TenantName is not null) OrderValidator.CheckTenant(c.TenantName, $"{f}.tenantName", errors, required: false);
                if (!corrections.TryAdd(itemId, (c.AdminContact is { Email: { } e } a ? new AdminContact(e.Trim(), a.FirstName?.Trim() ?? "", a.LastName?.Trim() ?? "") : null, c.TenantName)))
                    errors.Add($"{f}.itemId", "Each item may be corrected once.");
                else if (!order.Items.Any(x => x.Id == itemId && OrderVisibility.SeesItem(ctx, x.Kind)))
                    errors.Add($"{f}.itemId", "Not an item of this order.");
            }
            errors.ThrowIfAny();
            order.Retry(corrections, actor, now);
            db.ProvisioningJobs.Add(new ProvisioningJob(order.Id, now));
            return Task.CompletedTask;
        });

    private static Task<Ok<OrderDetailDto>> Close(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        Change(id, ctx, db, clock, http, ct, requireBuyer: true, (order, actor, now) => OrderCompletion.CloseAsync(db, order, actor, now, ct));

    private static async Task<IResult> Place(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > 200) throw RequestValidationException.For(IdempotencyKeyHeader, "At most 200 characters.");
        if (key.Length > 0 && await PlacedBefore(db, ctx, key, id, http, ct) is { } earlier)
            return earlier;

        try
        {
            await Change(id, ctx, db, clock, http, ct, requireBuyer: true, async (order, actor, now) =>
            {
                // A status that cannot be placed is a refused transition (409), whatever its items hold.
                if (!OrderLifecycle.CanTransition(order.Status, OrderStatus.InProgress))
                    throw new DomainException($"An order in status {Order.ApiName(order.Status)} cannot become {Order.ApiName(OrderStatus.InProgress)}.");
                var validator = await OrderValidator.LoadAsync(db, ctx, ct);
                validator.ValidateForPlacing(order);
                order.Place(actor, now);
                // The outbox row commits with the status change: a placed order always reaches the worker.
                db.ProvisioningJobs.Add(new ProvisioningJob(order.Id, now));
                if (key.Length > 0)
                    db.PlaceIdempotency.Add(new PlaceIdempotency(ctx.Actor.UserId, key, order.Id, now));
            });
        }
        catch (Exception e) when (key.Length > 0 && e is DbUpdateException or DomainException)
        {
            // A concurrent request with the same key won the race: answer with its result.
            db.ChangeTracker.Clear();
            if (await PlacedBefore(db, ctx, key, id, http, ct) is { } winner) return winner;
            throw;
        }
        var detail = await OrderQueries.DetailAsync(db, ctx, id, ct) ?? throw new NotFoundException($"Order {id}");
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Accepted($"/api/v1/orders/{id}", detail);
    }

    private static async Task<IResult?> PlacedBefore(AppDbContext db, CustomerContext ctx, string key, long id, HttpContext http, CancellationToken ct)
    {
        var record = await db.PlaceIdempotency.AsNoTracking().SingleOrDefaultAsync(p => p.UserId == ctx.Actor.UserId && p.Key == key, ct);
        if (record is null) return null;
        if (record.OrderId != id)
            throw new DomainException($"This Idempotency-Key was already used to place order {record.OrderId}; use a new key for another order.");
        var detail = await OrderQueries.DetailAsync(db, ctx, id, ct) ?? throw new NotFoundException($"Order {id}");
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Accepted($"/api/v1/orders/{id}", detail);
    }

    /// <summary>
    /// The shape of every order change: load the visible order, check the role and the client's
    /// If-Match version, apply the change, save once (the version token turns a lost race into 409),
    /// answer with the whole order.
    /// </summary>
    private static async Task<Ok<OrderDetailDto>> Change(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock,
        HttpContext http, CancellationToken ct, bool requireBuyer, Func<Order, EventActor, DateTime, Task> change)
    {
        var order = await db.Orders.VisibleOrders(ctx).Include(o => o.Items).SingleOrDefaultAsync(o => o.Id == id, ct)
                    ?? throw new NotFoundException($"Order {id}");
        if (requireBuyer) EnsureCanBuy(ctx);
        if (http.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch != "*" && ifMatch != ETag(order.Version))
            throw new ConcurrencyConflictException($"The order changed since version {ifMatch}; it is now at {ETag(order.Version)}. Reload it and try again.");
        await change(order, EventActorOf(ctx), Now(clock));
        await db.SaveChangesAsync(ct);
        var detail = await OrderQueries.DetailAsync(db, ctx, id, ct) ?? throw new NotFoundException($"Order {id}");
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Ok(detail);
    }

    private static void EnsureCanBuy(CustomerContext ctx)
    {
        if (!ctx.Actor.CanBuy) throw new ForbiddenException("Your role may see orders but not buy or change subscriptions.");
    }

    private static void EnsureItemVisible(Order order, Guid itemId, CustomerContext ctx)
    {
        if (!order.Items.Any(i => i.Id == itemId && OrderVisibility.SeesItem(ctx, i.Kind)))
            throw new NotFoundException($"Item {itemId}");
    }

    private static void CheckName(string? name)
    {
        if (name is not null && (string.IsNullOrWhiteSpace(name) || name.Length > Order.MaxNameLength || OrderValidator.HasNul(name)))
            throw RequestValidationException.For("name", $"1 to {Order.MaxNameLength} characters.");
    }

    public static EventActor EventActorOf(CustomerContext ctx) =>
        new(ctx.Actor.UserId, ctx.Actor.Name, ctx.Actor.OrganizationId, ctx.Actor.OrganizationName);

    private static DateTime Now(TimeProvider clock) => clock.GetUtcNow().UtcDateTime;

    private static string ETag(int version) => $"\"{version}\"";
}

using System.ComponentModel;
using System.Text.Json.Nodes;
using CloudMarket.Components;
using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The orders endpoints of api.md: HTTP only (headers, status codes, ETags). The changes are in
/// <see cref="OrderCommands"/> and the reads in <see cref="OrderQueries"/>, which the pages call too.
/// </summary>
public static class OrdersApi
{
    // The order headers, as the OpenAPI document describes them.
    private static readonly OpenApiSetup.HeaderDoc ETagHeader = new("ETag",
        "The order's version as an entity tag, e.g. `\"7\"`. Send it back as `If-Match` to make a change conditional.",
        Pattern: "^\"[0-9]+\"$");
    private static readonly OpenApiSetup.HeaderDoc IfMatchHeader = new("If-Match",
        "The `ETag` of the order as the client last saw it (or `*`): the change is refused with 409 if the order changed since. " +
        "Without it the change applies to the current version.");
    private static readonly OpenApiSetup.HeaderDoc IdempotencyKeyDoc = new(PlaceIdempotency.Header,
        "Any text of the client's choosing, unique per order placed. A request repeated with the same key answers with the order as the first one left it.",
        MaxLength: OrderCommands.MaxIdempotencyKeyLength);
    private static readonly OpenApiSetup.HeaderDoc ContentDispositionHeader = new("Content-Disposition",
        "An attachment named after the view and the format, e.g. `attachment; filename=\"orders-historical.csv\"` or `orders-historical.xlsx`.",
        Pattern: "^attachment; filename=\"orders-[a-z]+\\.(csv|xlsx)\"$");
    private static readonly OpenApiSetup.HeaderDoc LocationHeader = new("Location", "The address of the order.", Format: "uri-reference");

    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/orders").WithTags("Orders")
            .WithParameter("id", "The order number.")
            .WithParameter("itemId", "The id of an item of the order.");

        group.MapGet("/", List).WithName("ListOrders")
            .WithSummary("The Recent and Historical order lists")
            .WithDescription("One page of the customer's orders, newest first unless `sort` says otherwise. `view=recent` (the default) lists the orders of the last " +
                "days that are not carts; `view=historical` lists by `state`: `active` (placed orders), `draft` or `all` (which adds " +
                "each row's items, payment method and totals under `details`). Filters combine; `nextCursor` fetches the next page.")
            .WithOrderListFilters()
            .WithParameter("limit", $"Rows per page, 1 to {OrderListFilter.MaxLimit}.", s =>
            {
                s.Type = JsonSchemaType.Integer;
                s.Minimum = "1";
                s.Maximum = OrderListFilter.MaxLimit.ToString();
                s.Default = OrderListFilter.DefaultLimit;
            })
            .WithParameter("cursor", "The `nextCursor` of the previous page (opaque), with the same `sort`: a cursor of another sort is refused (400).")
            .WithResponseDescription(StatusCodes.Status200OK, "One page of rows, and the cursor of the next page (null on the last).")
            .ProducesValidationProblemWhen("A filter, `sort`, `limit` or `cursor` is invalid, or the cursor belongs to another sort (`errors` names it).");

        group.MapGet("/export", Export).WithName("ExportOrders")
            .WithSummary("The order list as CSV or an Excel workbook")
            .WithDescription("Every order the list would show with the same filters and sort (all pages), one row per order: `format=csv` " +
                "(the default; UTF-8 with a byte order mark) or `format=xlsx` (one worksheet, numbers and dates as such). Both formats hold the " +
                "same rows and columns: the list's columns, the total per billing period of each billing cycle, and the note; `view=historical&state=all` " +
                "adds the term totals per cycle and the payment (method, card, billing cycle, invoice contract). Seller- and distributor-level " +
                "callers also get the internal note and, in the All export, cost and margin per cycle; customer-level callers get no markup " +
                "rows, no cost or margin and no internal note. Times are UTC, as the `Date (UTC)` header says.")
            .WithOrderListFilters()
            .WithParameter("format", "`csv` (default) or `xlsx`.", s => Enum<ExportFormat>(s, ExportFormat.Csv))
            .Produces<string>(StatusCodes.Status200OK, OrderExport.CsvContentType, OrderExport.XlsxContentType)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The workbook is bytes, not text.
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.TryGetValue(OrderExport.XlsxContentType, out var xlsx) == true)
                    xlsx.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
                return Task.CompletedTask;
            })
            .WithResponseDescription(StatusCodes.Status200OK, "The CSV (UTF-8 with a byte order mark, a header row) or the xlsx workbook (a header row).")
            .WithResponseHeader(StatusCodes.Status200OK, ContentDispositionHeader)
            .ProducesValidationProblemWhen("A filter, `sort` or `format` is invalid (`errors` names it).");

        group.MapGet("/{id:long}", Get).WithName("GetOrder")
            .WithSummary("One order")
            .WithDescription("The order with its items, payment, totals, events and the `actions` the caller may take in its status.")
            .WithResponseDescription(StatusCodes.Status200OK, "The order as the caller may see it (no markup for customer-level callers).")
            .WithResponseHeader(StatusCodes.Status200OK, ETagHeader)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchOrder);

        group.MapPost("/", Create).WithName("CreateOrder")
            .WithSummary("Create a cart")
            .WithDescription("Creates an order in status `started` (a cart) with the given name (default `Order #dd-MM-yyyy`) and items. " +
                "Every item is checked; all problems are answered at once and nothing is stored.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status201Created, "The new cart, as `GET /api/v1/orders/{id}` answers it.")
            .WithResponseHeader(StatusCodes.Status201Created, LocationHeader)
            .WithResponseHeader(StatusCodes.Status201Created, ETagHeader)
            .ProducesValidationProblemWhen("The name or an item is invalid (`errors` names each field, e.g. `items[0].adminContact.email`).")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, MayNotBuy);

        group.MapPatch("/{id:long}", Update).WithName("UpdateOrder")
            .WithSummary("Rename a cart or set its payment")
            .WithDescription("Changes the name and/or the payment method of a `started` or `draft` order; fields left out stay as they are. " +
                "Card payment needs `cardBrand` and `cardLast4`.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order is not `started` or `draft`, or it changed since `If-Match`.")
            .ProducesValidationProblemWhen("A field is invalid (`errors` names it).");

        group.MapPost("/{id:long}/items", AddItem).WithName("AddOrderItem")
            .WithSummary("Add an item to a cart")
            .WithDescription("Adds one requested change (see the item kinds under `OrderItemRequest`) to a `started` or `draft` order.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order is not `started` or `draft`, or it changed since `If-Match`.")
            .ProducesValidationProblemWhen("The item is invalid (`errors` names each field).");

        group.MapPut("/{id:long}/items/{itemId:guid}", UpdateItem).WithName("UpdateOrderItem")
            .WithSummary("Replace an item of a cart")
            .WithDescription("Replaces one item of a `started` or `draft` order with the given one.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order is not `started` or `draft`, or it changed since `If-Match`.", notFound: NoSuchOrderOrItem)
            .ProducesValidationProblemWhen("The item is invalid (`errors` names each field).");

        group.MapDelete("/{id:long}/items/{itemId:guid}", RemoveItem).WithName("RemoveOrderItem")
            .WithSummary("Remove an item from a cart")
            .WithDescription("Removes one item of a `started` or `draft` order.")
            .OrderChange(conflict: "The order is not `started` or `draft`, it changed since `If-Match`, or this is the last item the caller can see.",
                notFound: NoSuchOrderOrItem);

        group.MapPost("/{id:long}/draft", SaveAsDraft).WithName("SaveOrderAsDraft")
            .WithSummary("Save a cart as draft")
            .WithDescription("A `started` order becomes `draft`.")
            .OrderChange(conflict: "The order is not `started`, or it changed since `If-Match`.");

        group.MapPost("/{id:long}/resume", Resume).WithName("ResumeOrder")
            .WithSummary("Turn a draft back into the cart")
            .WithDescription("A `draft` order becomes `started`.")
            .OrderChange(conflict: "The order is not `draft`, or it changed since `If-Match`.");

        group.MapPut("/{id:long}/schedule", SetSchedule).WithName("ScheduleOrder")
            .WithSummary("Choose when a cart runs")
            .WithDescription("Sets when a `started` or `draft` order runs once placed: `{ \"when\": \"now\" }` (the default), " +
                "`{ \"when\": \"onRenewal\" }` (every item changes an existing subscription, all renewing at the same moment) or " +
                "`{ \"when\": \"at\", \"at\": \"2026-12-15T00:00:00Z\" }` (a moment in the future). The answer's `scheduledFor` is the moment.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order is not `started` or `draft`, it changed since `If-Match`, or a subscription it changes already has " +
                "a scheduled order of this kind.")
            .ProducesValidationProblemWhen("The schedule is invalid: `at` not in the future, or `onRenewal` with an item that changes no " +
                "subscription or items renewing at different moments (`errors` names `schedule.*` and the items).");

        group.MapPost("/{id:long}/cancel", Cancel).WithName("CancelOrder")
            .WithSummary("Withdraw a scheduled or pending order")
            .WithDescription("A `scheduled` order, or one in `pendingApproval`, becomes `cancelled`; nothing is sent to a vendor.")
            .OrderChange(conflict: "The order is not `scheduled` or `pendingApproval`, or it changed since `If-Match`.");

        group.MapPost("/{id:long}/approve", Approve).WithName("ApproveOrder")
            .WithSummary("Approve an order")
            .WithDescription("An order in `pendingApproval` goes on: `scheduled` if it has a schedule, else `inProgress` (sent to the vendors). " +
                "By a user whose role the approval rule names and who neither created the order nor placed it. The body (an optional " +
                "`comment`, kept in the order's events) may be left out.")
            .OrderChange(conflict: "The order is not `pendingApproval`, or it changed since `If-Match`.",
                forbidden: "The caller's role is not one of the rule's approvers, or the caller created or placed the order.")
            .ProducesValidationProblemWhen("The comment is too long (`errors` names it).");

        group.MapPost("/{id:long}/reject", Reject).WithName("RejectOrder")
            .WithSummary("Reject an order")
            .WithDescription("An order in `pendingApproval` becomes `rejected`, with the `reason` (required) in its events; nothing is sent to " +
                "a vendor. By a user whose role the approval rule names and who neither created the order nor placed it.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order is not `pendingApproval`, or it changed since `If-Match`.",
                forbidden: "The caller's role is not one of the rule's approvers, or the caller created or placed the order.")
            .ProducesValidationProblemWhen("The reason is missing or too long (`errors` names it).");

        group.MapPost("/{id:long}/place", Place).WithName("PlaceOrder")
            .WithSummary("Place an order")
            .WithDescription("Checks every item once more and places the order: it becomes `inProgress` and the provisioning worker sends " +
                "it to the vendors (poll `GET /api/v1/orders/{id}` to follow it); `pendingApproval` when an approval rule holds it " +
                "(`approval` says which); or `scheduled` when it has a schedule (`scheduledFor` says when it runs). With an `Idempotency-Key`, repeating the request " +
                "(a double click, a client retry) answers with the order as the first request left it and never places twice.")
            .WithRequestHeader(IdempotencyKeyDoc)
            .OrderChange(StatusCodes.Status202Accepted, conflict: "The order cannot be placed in its status (e.g. already placed), it changed since " +
                "`If-Match`, the `Idempotency-Key` was used for another order, or a subscription it changes already has a scheduled order of its kind.")
            .WithResponseHeader(StatusCodes.Status202Accepted, LocationHeader)
            .ProducesValidationProblemWhen("An item or the schedule is no longer valid (`errors` names it), or `Idempotency-Key` is too long.");

        group.MapPost("/{id:long}/preview", Preview).WithName("PreviewOrder")
            .WithSummary("Preview placing an order")
            .WithDescription("Answers what `POST /api/v1/orders/{id}/place` would do and say now, without changing anything (the order keeps " +
                "its version): whether it would be placed, the refusal or every validation problem in the same words, the totals per " +
                "billing cycle and each item's price for the caller's role, each item's cancellation deadline after purchase, and the " +
                "approval and schedule that would apply. No body.")
            .WithResponseDescription(StatusCodes.Status200OK, "The preview.")
            .WithResponseHeader(StatusCodes.Status200OK, ETagHeader)
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, MayNotBuy)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, NoSuchOrder);

        group.MapDelete("/{id:long}", Delete).WithName("DeleteOrder")
            .WithSummary("Delete a cart or draft")
            .WithDescription("A `started` or `draft` order becomes `deleted` (it stays in the Historical list).")
            .OrderChange(conflict: "The order is not `started` or `draft`, or it changed since `If-Match`.");

        group.MapPost("/{id:long}/retry", Retry).WithName("RetryOrder")
            .WithSummary("Retry the rejected items")
            .WithDescription("Sends the rejected items of a `provisioningFailed` order to the vendors again, optionally with corrected " +
                "admin contacts and tenant names. The body may be left out.")
            .OrderChange(conflict: "The order is not `provisioningFailed`, or it changed since `If-Match`.")
            .ProducesValidationProblemWhen("A correction is invalid (`errors` names it).");

        group.MapPost("/{id:long}/close", Close).WithName("CloseOrder")
            .WithSummary("Close a failed order")
            .WithDescription("Gives up on the rejected items of a `provisioningFailed` order: it becomes `completedWithErrors` (some items " +
                "were provisioned) or `failed` (none).")
            .OrderChange(conflict: "The order is not `provisioningFailed`, or it changed since `If-Match`.");

        group.MapPut("/{id:long}/note", SetNote).WithName("SetOrderNote")
            .WithSummary("Set the order's note")
            .WithDescription($"Sets the free-text note of an order in any status (at most {Order.MaxNoteLength} characters); an empty text removes it.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order changed since `If-Match`.", forbidden: "The caller's role may read orders but not write notes.")
            .ProducesValidationProblemWhen("The text is too long or not valid (`errors` names it).");

        group.MapPut("/{id:long}/internal-note", SetInternalNote).WithName("SetOrderInternalNote")
            .WithSummary("Set the order's internal note")
            .WithDescription($"Sets the seller's and distributor's own note of an order in any status (at most {Order.MaxNoteLength} characters); " +
                "an empty text removes it. Seller- and distributor-level callers see it as `internalNote` in the order, the lists and the exports; " +
                "customer-level users never see it, nor its history event, nor the version change it makes, and it is in nothing sent to them.")
            .WithRequiredBody()
            .OrderChange(conflict: "The order changed since `If-Match`.",
                forbidden: "The caller is a customer-level user, or has a read-only role.")
            .ProducesValidationProblemWhen("The text is too long or not valid (`errors` names it).");
        return group;
    }

    private const string OrderAnswer = "The whole order as it is now, as `GET /api/v1/orders/{id}` answers it.";
    private const string NoSuchOrder = "No such order for the customer in view, or the caller may not see it.";
    private const string NoSuchOrderOrItem = "No such order or item for the customer in view, or the caller may not see it.";
    private const string MayNotBuy = "The caller's role may see orders but not buy or change subscriptions.";

    /// <summary>What every change to an order answers besides success: the order's ETag, and the refusals they share.</summary>
    private static RouteHandlerBuilder OrderChange(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK,
        string conflict = "", string notFound = NoSuchOrder, string forbidden = MayNotBuy) =>
        builder
            .WithRequestHeader(IfMatchHeader)
            .WithResponseDescription(status, OrderAnswer)
            .WithResponseHeader(status, ETagHeader)
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, forbidden)
            .ProducesProblemWhen(StatusCodes.Status404NotFound, notFound)
            .ProducesProblemWhen(StatusCodes.Status409Conflict, conflict);

    /// <summary>The filters of the list and the export, as <see cref="OrderListFilter.Parse"/> reads them.</summary>
    private static RouteHandlerBuilder WithOrderListFilters(this RouteHandlerBuilder builder) =>
        builder
            .WithParameter("view", "`recent` (default) or `historical`.", s => Enum<OrderView>(s, OrderView.Recent))
            .WithParameter("state", "Historical view only: `active` (default), `draft` or `all`.", s => Enum<HistoricalState>(s, HistoricalState.Active))
            .WithParameter("status", "Only orders in this status.", s => Enum<OrderStatus>(s, null))
            .WithParameter("createdBy", "Only orders created by this user (a user id).", s => s.Format = "uuid")
            .WithParameter("from", "Only orders dated on or after this ISO-8601 date (`2026-11-25`) or date-time (UTC unless an offset is given).")
            .WithParameter("to", "Only orders dated on or before this date (the whole day) or date-time.")
            .WithParameter("q", "Search text: the order number, or text in the order's name, its note, its internal note (seller and distributor " +
                $"levels only) or its offer names (at most {OrderListFilter.MaxSearchLength} characters). `#11` finds order 11 and nothing else.",
                s => s.MaxLength = OrderListFilter.MaxSearchLength)
            .WithParameter("sort", "The order of the rows: `-date` (default; newest first), `date`, `-number`, `number` (the order number), " +
                "`status` or `-status` (by the status's API name, a to z or z to a; newest first within a status). Paging follows the sort.", s =>
                {
                    s.Enum = OrderSort.Names.Select(n => (JsonNode)JsonValue.Create(n)).ToList();
                    s.Default = JsonValue.Create(OrderSort.Default.Name);
                });

    private static void Enum<T>(OpenApiSchema schema, T? fallback) where T : struct, System.Enum
    {
        schema.Enum = System.Enum.GetValues<T>().Select(v => (JsonNode)JsonValue.Create(ApiNames.Of(v))).ToList();
        if (fallback is { } f) schema.Default = JsonValue.Create(ApiNames.Of(f));
    }

    private static async Task<ApiJsonOk<OrderListDto>> List(CustomerContext ctx, ReadDb reads, CancellationToken ct,
        string? view = null, string? state = null, string? status = null, string? createdBy = null,
        string? from = null, string? to = null, string? q = null, string? sort = null, string? limit = null, string? cursor = null)
    {
        var filter = OrderListFilter.Parse(view, state, status, createdBy, from, to, q, sort);
        return new(await reads.ReadAsync(db => OrderQueries.ListAsync(db, ctx, filter, cursor, ParseLimit(limit), ct), ct));
    }

    private static int ParseLimit(string? limit)
    {
        if (limit is null) return OrderListFilter.DefaultLimit;
        if (int.TryParse(limit, out var n) && n is >= 1 and <= OrderListFilter.MaxLimit) return n;
        throw RequestValidationException.For("limit", $"Must be a whole number from 1 to {OrderListFilter.MaxLimit}.");
    }

    private static async Task Export(HttpContext http, CustomerContext ctx, ReadDb reads, CancellationToken ct,
        string? view = null, string? state = null, string? status = null, string? createdBy = null,
        string? from = null, string? to = null, string? q = null, string? sort = null, string? format = null)
    {
        var filter = OrderListFilter.Parse(view, state, status, createdBy, from, to, q, sort);
        await OrderExport.WriteAsync(http.Response, await reads.ContextAsync(ct), ctx, filter, OrderExport.ParseFormat(format), ct);
    }

    private static async Task<ApiJsonOk<OrderDetailDto>> Get(long id, CustomerContext ctx, ReadDb reads, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await reads.ReadAsync(db => OrderQueries.DetailAsync(db, ctx, id, clock.GetUtcNow().UtcDateTime, ct), ct)
            ?? throw new NotFoundException($"Order {id}"));

    private static async Task<Created<OrderDetailDto>> Create(CreateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, OrderOptions limits, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderCommands.CreateAsync(db, ctx, clock, limits, request, ct);
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Created($"/api/v1/orders/{detail.Id}", detail);
    }

    private static async Task<ApiJsonOk<OrderDetailDto>> Update(long id, UpdateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.UpdateAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> AddItem(long id, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, OrderOptions limits, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.AddItemAsync(db, ctx, clock, limits, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> UpdateItem(long id, Guid itemId, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.UpdateItemAsync(db, ctx, clock, id, itemId, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> RemoveItem(long id, Guid itemId, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.RemoveItemAsync(db, ctx, clock, id, itemId, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> SaveAsDraft(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SaveAsDraftAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Resume(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.ResumeAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Delete(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.DeleteAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> SetNote(long id, NoteRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SetNoteAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> SetInternalNote(long id, NoteRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock,
        HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SetInternalNoteAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Retry(long id, RetryRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.RetryAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Close(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.CloseAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> SetSchedule(long id, ScheduleRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock,
        HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SetScheduleAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Cancel(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.CancelAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Approve(long id, ApproveRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock,
        HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.ApproveAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<ApiJsonOk<OrderDetailDto>> Reject(long id, RejectRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock,
        HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.RejectAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<Accepted<OrderDetailDto>> Place(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderCommands.PlaceAsync(db, ctx, clock, id, http.Request.Headers[PlaceIdempotency.Header].ToString(), IfMatch(http), ct);
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Accepted($"/api/v1/orders/{id}", detail);
    }

    private static async Task<Ok<OrderPreviewDto>> Preview(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var preview = await OrderPreview.PreviewAsync(db, ctx, clock, id, ct);
        http.Response.Headers.ETag = ETag(preview.Version);
        return TypedResults.Ok(preview);
    }

    private static string? IfMatch(HttpContext http) => http.Request.Headers.IfMatch.ToString() is { Length: > 0 } v ? v : null;

    private static ApiJsonOk<OrderDetailDto> WithETag(HttpContext http, OrderDetailDto detail)
    {
        http.Response.Headers.ETag = ETag(detail.Version);
        return new(detail);
    }

    private static string ETag(int version) => OrderVersion.ETag(version);
}

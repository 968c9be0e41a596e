using CloudMarket.Data;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The orders endpoints of api.md: HTTP only (headers, status codes, ETags). The changes are in
/// <see cref="OrderCommands"/> and the reads in <see cref="OrderQueries"/>, which the pages call too.
/// </summary>
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
        await OrderCsv.WriteExportAsync(http.Response, db, ctx, filter, ct);
    }

    private static async Task<Results<Ok<OrderDetailDto>, NotFound>> Get(long id, CustomerContext ctx, AppDbContext db, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderQueries.DetailAsync(db, ctx, id, ct);
        if (detail is null) throw new NotFoundException($"Order {id}");
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Ok(detail);
    }

    private static async Task<Created<OrderDetailDto>> Create(CreateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, OrderOptions limits, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderCommands.CreateAsync(db, ctx, clock, limits, request, ct);
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Created($"/api/v1/orders/{detail.Id}", detail);
    }

    private static async Task<Ok<OrderDetailDto>> Update(long id, UpdateOrderRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.UpdateAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> AddItem(long id, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, OrderOptions limits, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.AddItemAsync(db, ctx, clock, limits, id, request, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> UpdateItem(long id, Guid itemId, OrderItemRequest? request, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.UpdateItemAsync(db, ctx, clock, id, itemId, request, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> RemoveItem(long id, Guid itemId, CustomerContext ctx, AppDbContext db,
        TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.RemoveItemAsync(db, ctx, clock, id, itemId, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> SaveAsDraft(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SaveAsDraftAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> Resume(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.ResumeAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> Delete(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.DeleteAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> SetNote(long id, NoteRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.SetNoteAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> Retry(long id, RetryRequest? request, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.RetryAsync(db, ctx, clock, id, request, IfMatch(http), ct));

    private static async Task<Ok<OrderDetailDto>> Close(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        WithETag(http, await OrderCommands.CloseAsync(db, ctx, clock, id, IfMatch(http), ct));

    private static async Task<IResult> Place(long id, CustomerContext ctx, AppDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var detail = await OrderCommands.PlaceAsync(db, ctx, clock, id, http.Request.Headers[IdempotencyKeyHeader].ToString(), IfMatch(http), ct);
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Accepted($"/api/v1/orders/{id}", detail);
    }

    private static string? IfMatch(HttpContext http) => http.Request.Headers.IfMatch.ToString() is { Length: > 0 } v ? v : null;

    private static Ok<OrderDetailDto> WithETag(HttpContext http, OrderDetailDto detail)
    {
        http.Response.Headers.ETag = ETag(detail.Version);
        return TypedResults.Ok(detail);
    }

    private static string ETag(int version) => OrderCommands.ETag(version);
}

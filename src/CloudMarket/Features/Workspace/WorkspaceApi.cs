using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using System.Text.Json.Nodes;

namespace CloudMarket.Features.Workspace;

/// <summary>
/// The workspace endpoints of api.md ("Workspace"): Needs attention and its bulk retry and approval, for seller- and
/// distributor-level users across the customers below them. Customer-level users get 403 (the policy).
/// </summary>
public static class WorkspaceApi
{
    private const string CustomerLevel = "The caller is a customer-level user: the workspace is the seller's and the distributor's.";

    public static RouteGroupBuilder MapWorkspaceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/attention").WithTags("Workspace").RequireAuthorization(AppPolicies.Workspace);

        group.MapGet("/", Get).WithName("GetAttention")
            .WithSummary("What needs a person, across the caller's customers")
            .WithDescription("Counts per kind and the rows behind them, across every customer the caller may act for: " +
                "`provisioningFailed` orders (a vendor rejected an item), `stuck` orders (in flight, their status unchanged for " +
                "`Attention:StuckAfterMinutes`, 15 by default), `pendingApproval` and `scheduledSoon` orders, and subscriptions whose " +
                "cancellation window closes within `Attention:WindowClosingWithinHours` (48 by default; such a row has no order: " +
                "`orderId`, `number` and `status` are null, `subscriptionId` names it and `due` is when the window closes). " +
                $"Rows come by kind in that order, the longest waiting (or soonest due) first, at most {AttentionQueries.MaxItems}; the counts are always complete. " +
                "`since` is when the order entered its status, or when the subscription's window opened. `retryableAsIs` marks failed orders " +
                "the bulk retry takes. Sellers see their markup-only orders; nothing here is shown to customers.")
            .WithParameter("kind", $"Only rows of this kind (the counts stay complete), e.g. to see up to {AttentionQueries.MaxItems} of one kind.",
                s => s.Enum = Enum.GetValues<AttentionKind>().Select(v => (JsonNode)JsonValue.Create(ApiNames.Of(v))).ToList())
            .WithResponseDescription(StatusCodes.Status200OK, "The counts per kind and the rows, most urgent kind first.")
            .ProducesValidationProblemWhen("`kind` is not one of the kinds.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, CustomerLevel);

        group.MapGet("/activity", Activity).WithName("GetAttentionActivity")
            .WithSummary("The last 30 days' orders by outcome, and failure rate by vendor")
            .WithDescription($"Across every customer the caller may act for: the orders placed on each of the last {ActivityQueries.Days} days " +
                "(UTC, today included) by what became of them so far (`completed`, `completedWithErrors`, `failed` including those waiting for " +
                "a retry, `inProgress`, `other`), and per vendor the items of those orders it answered and how many it rejected, as they stand " +
                "now. The chart of the Needs attention page.")
            .WithResponseDescription(StatusCodes.Status200OK, $"One entry per day, oldest first ({ActivityQueries.Days} in all), and one per vendor that answered.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, CustomerLevel);

        group.MapPost("/retry", Retry).WithName("RetryAttentionOrders")
            .WithSummary("Retry failed orders that need no correction")
            .WithDescription($"Retries, as they are, up to {BulkRetry.MaxOrders} `provisioningFailed` orders whose rejected items need no " +
                "correction (the vendor could not be reached; `retryableAsIs` in `GET /api/v1/attention`), each as " +
                "`POST /api/v1/orders/{id}/retry` would. Every order named is answered with its `outcome`: `retried`, or why not " +
                "(`needsCorrection`, `notFailed`, `changed` meanwhile, `notFound` among the caller's customers' orders); nothing else changes.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status200OK, "One result per order named, in the order given.")
            .ProducesValidationProblemWhen($"`orderIds` is missing, empty, longer than {BulkRetry.MaxOrders}, or holds a number that is not positive.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, CustomerLevel + " Or the caller's role may not retry orders (read-only roles).");

        group.MapPost("/approve", Approve).WithName("ApproveAttentionOrders")
            .WithSummary("Approve orders waiting for approval")
            .WithDescription($"Approves up to {BulkOrderRun.MaxOrders} `pendingApproval` orders the caller may decide, each as " +
                "`POST /api/v1/orders/{id}/approve` would (in its customer's context, with the same optional `comment`): it goes on, " +
                "`scheduled` if it has a schedule, else `inProgress` (sent to the vendors). Every order named is answered with its " +
                "`outcome`: `approved`, or why not (`notAllowed` with the `reason`: the caller created or placed it, or the approval rule " +
                "does not name the caller's role; `notPending`, `changed` meanwhile, `notFound` among the caller's customers' orders); " +
                "nothing else changes.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status200OK, "One result per order named, in the order given.")
            .ProducesValidationProblemWhen($"`orderIds` is missing, empty, longer than {BulkOrderRun.MaxOrders}, or holds a number that is not positive; " +
                "or the comment is too long.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, CustomerLevel + " Or the caller's role may not decide on orders (read-only roles).");
        return api;
    }

    private static async Task<Ok<AttentionDto>> Get(Actor actor, AppDbContext db, AttentionOptions options, TimeProvider clock,
        CancellationToken ct, string? kind = null) =>
        TypedResults.Ok(await AttentionQueries.GetAsync(db, actor, options, clock.GetUtcNow().UtcDateTime, ParseKind(kind), ct));

    private static async Task<Ok<ActivityDto>> Activity(Actor actor, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await ActivityQueries.LastDaysAsync(db, actor, clock.GetUtcNow().UtcDateTime, ct));

    private static async Task<Ok<BulkRetryDto>> Retry(BulkRetryRequest? request, Actor actor, AppDbContext db, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct) =>
        TypedResults.Ok(await BulkRetry.RetryAsync(db, actor, clock, request, loggers.CreateLogger("CloudMarket.ActOnBehalf"), ct));

    private static async Task<Ok<BulkApproveDto>> Approve(BulkApproveRequest? request, Actor actor, AppDbContext db, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct) =>
        TypedResults.Ok(await BulkApprove.ApproveAsync(db, actor, clock, request, loggers.CreateLogger("CloudMarket.ActOnBehalf"), ct));

    public static AttentionKind? ParseKind(string? kind)
    {
        if (string.IsNullOrEmpty(kind)) return null;
        foreach (var k in Enum.GetValues<AttentionKind>())
            if (ApiNames.Of(k) == kind) return k;
        throw RequestValidationException.For("kind", $"Must be one of: {ApiNames.OneOf<AttentionKind>()}.");
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CloudMarket.Features.Orders;

/// <summary>
/// <c>GET|PUT /api/v1/approval-rules</c> (workflow.md, Approvals): the caller's own organization's rules, a seller
/// admin's for its customers, a customer admin's for itself. Not customer-scoped: no <c>X-On-Behalf-Of</c>.
/// </summary>
public static class ApprovalRulesApi
{
    private const string NotAnAdmin = "Only a seller admin (for its customers) or a customer admin (for its own organization) manages approval rules.";

    public static RouteGroupBuilder MapApprovalRulesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/approval-rules").WithTags("Orders");
        group.MapGet("/", Get).WithName("GetApprovalRules")
            .WithSummary("The approval rules of the caller's organization")
            .WithDescription("A seller admin's rules hold its customers' orders; a customer admin's hold its own organization's. " +
                "In order; the first that matches an order at placing holds it (the seller's before the customer's).")
            .WithResponseDescription(StatusCodes.Status200OK, "The rules under `rules` (empty: no approvals).")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAnAdmin);
        group.MapPut("/", Put).WithName("PutApprovalRules")
            .WithSummary("Replace the approval rules")
            .WithDescription("Replaces every rule of the caller's organization with the given list (`[]` for no approvals). " +
                "A customer admin's rules name customer roles only and cannot concern markup changes.")
            .WithRequiredBody()
            .WithResponseDescription(StatusCodes.Status200OK, "The rules as stored.")
            .ProducesValidationProblemWhen("A rule is invalid (`errors` names each field, e.g. `rules[0].approvers[1]`); nothing is stored.")
            .ProducesProblemWhen(StatusCodes.Status403Forbidden, NotAnAdmin);
        return api;
    }

    private static async Task<Ok<ApprovalRulesDto>> Get(Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ApprovalRules.GetAsync(db, actor, ct));

    private static async Task<Ok<ApprovalRulesDto>> Put(ApprovalRulesRequest? request, Actor actor, AppDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ApprovalRules.PutAsync(db, actor, request, ct));
}

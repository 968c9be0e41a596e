using System.ComponentModel;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using CloudMarket.VendorPolicies;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>One item as placing would buy it, priced for the caller's role.</summary>
[Description("An item of the preview: its prices for the caller's role (as in the order's items) and until when it could be taken back " +
    "if the order were placed now (a purchase, or the licences an increase adds; null when it opens no cancellation window).")]
public sealed record PreviewItemDto(Guid Id, OrderItemKind Kind, string Description, ItemPricesDto Prices, DateTime? CancellableUntil);

/// <summary>The approval rule placing would match (the name hidden as in the order's <c>approval</c>) and who may decide.</summary>
[Description("The approval rule placing would match: its name (\"Your seller's approval\" to customer-level users for a rule about markup) and the roles that may decide.")]
public sealed record PreviewApprovalDto(string Rule, IReadOnlyList<Role> Approvers);

/// <summary>When the order would run: its schedule and the moment it stands for today (null: at once).</summary>
[Description("When the order would run if placed now: `when` as in its schedule, `scheduledFor` the moment (null: at once, or when the schedule has a problem listed in `errors`).")]
public sealed record PreviewScheduleDto(ScheduleKind When, DateTime? ScheduledFor);

/// <summary>What placing the order now would do and say, without placing it (workflow.md, "Preview").</summary>
[Description("What placing the order now would do and say, with nothing changed: `canPlace`; `refusal`, the words of the 409 placing would " +
    "answer (the order's status does not allow placing), or null; `errors`, every problem of the 400 placing would answer, by field, " +
    "in the same words (empty when it would be placed); the totals per billing cycle and the items' prices for the caller's role; " +
    "each item's cancellation deadline after purchase; `approval` and `schedule`.")]
public sealed record OrderPreviewDto(
    long OrderId,
    int Version,
    bool CanPlace,
    string? Refusal,
    IDictionary<string, string[]> Errors,
    IReadOnlyList<CycleTotalsDto> Totals,
    IReadOnlyList<PreviewItemDto> Items,
    [property: Description("The approval rule placing would match; null when none applies.")] PreviewApprovalDto? Approval,
    PreviewScheduleDto Schedule);

/// <summary>
/// The preview of placing: the same checks in the same words as <see cref="OrderCommands.PlaceAsync"/> (the
/// transition table, then <see cref="OrderValidator"/>, every problem at once), the same price projection as
/// the order's own answer, and nothing saved — the order keeps its version.
/// </summary>
public static class OrderPreview
{
    public static async Task<OrderPreviewDto> PreviewAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, long id, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().VisibleOrders(ctx).WithItems(db).SingleOrDefaultAsync(o => o.Id == id, ct)
                    ?? throw new NotFoundException($"Order {id}");
        OrderCommands.EnsureCanBuy(ctx);
        var now = clock.GetUtcNow().UtcDateTime;

        // As placing: a status that cannot be placed is refused before any item is looked at.
        var refusal = OrderLifecycle.Allows(order.Status, OrderAction.Place) ? null : OrderLifecycle.Refusal(order.Status, OrderAction.Place);
        var problems = new ValidationErrors();
        DateTime? scheduledFor = null;
        PreviewApprovalDto? approval = null;
        if (refusal is null)
        {
            var validator = await OrderValidator.LoadAsync(db, ctx, order, now, ct);
            // As placing: the items judged as of the moment the schedule runs them; their problems first, then the schedule's.
            var scheduleProblems = new ValidationErrors();
            scheduledFor = validator.ScheduledFor(new ScheduleRequest(order.Schedule, order.ScheduledAt), order, scheduleProblems);
            foreach (var (field, messages) in validator.RunsAt(scheduledFor).PlacingProblems(order).Concat(scheduleProblems.ToDictionary()))
                foreach (var message in messages)
                    problems.Add(field, message);
            // Placing's next steps, in its order: one scheduled order per kind, the approval rule.
            try
            {
                await OrderSchedule.EnsureNoOtherScheduledAsync(db, ctx, order, ct);
            }
            catch (DomainException e)
            {
                refusal = e.Message;
            }
            if (await ApprovalRules.MatchAsync(db, ctx, order, ct) is { } match)
                approval = new PreviewApprovalDto(ApprovalRules.RuleNameSeenBy(ctx, match.Rule, match.ConcernsMarkup), match.Approvers);
        }
        var errors = problems.ToDictionary();

        var items = OrderQueries.VisibleItemsPriced(order, ctx);
        var windows = await OrderQueries.WindowHoursAsync(db, items.Select(p => p.Item).Where(i => i.OpensCancellationWindow), ct);
        var seesCost = ctx.Actor.SeesMarkupAndCost;
        return new OrderPreviewDto(order.Id, OrderVisibility.VersionSeenBy(ctx, order), refusal is null && errors.Count == 0, refusal, errors,
            OrderQueries.Totals(items.Select(p => p.Pricing), order.Currency, seesCost),
            items.Select(p => new PreviewItemDto(p.Item.Id, p.Item.Kind, p.Item.Description, OrderQueries.ToItem(p, ctx.Actor).Prices,
                // Counted from now: the window opens when the vendor carries the item out, a little later.
                p.Item.OpensCancellationWindow
                    ? CancellationPolicy.WindowOf(windows.GetValueOrDefault(p.Item.OfferId), scheduledFor ?? now)?.ClosesAt : null)).ToList(),
            approval, new PreviewScheduleDto(order.Schedule, scheduledFor));
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// One approval rule of an organization (workflow.md, Approvals): a seller's rules hold its customers'
/// orders, a customer's rules its own. An order matches when its placer has a role of <see cref="PlacedBy"/>,
/// it has items of <see cref="Kinds"/>, and those items change the monthly bill by at least
/// <see cref="MinMonthlyAmount"/>. Empty lists mean "any".
/// </summary>
public sealed class ApprovalRule
{
    public const int MaxNameLength = 200;
    public const int MaxRules = 50;

    private ApprovalRule() { }

    public ApprovalRule(Guid organizationId, int position, string name, IEnumerable<Role> placedBy, IEnumerable<OrderItemKind> kinds,
        decimal? minMonthlyAmount, IEnumerable<Role> approvers)
    {
        OrganizationId = organizationId;
        Position = position;
        Name = name;
        PlacedBy = string.Join(',', placedBy);
        Kinds = string.Join(',', kinds);
        MinMonthlyAmount = minMonthlyAmount;
        Approvers = string.Join(',', approvers);
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public int Position { get; private set; }
    public string Name { get; private set; } = "";

    // Comma-separated enum names: a rule is read whole, never queried by its lists.
    public string PlacedBy { get; private set; } = "";
    public string Kinds { get; private set; } = "";
    public decimal? MinMonthlyAmount { get; private set; }
    public string Approvers { get; private set; } = "";

    public IReadOnlyList<Role> PlacedByRoles => Parse<Role>(PlacedBy);
    public IReadOnlyList<OrderItemKind> KindList => Parse<OrderItemKind>(Kinds);
    public IReadOnlyList<Role> ApproverRoles => Parse<Role>(Approvers);

    /// <summary>A rule about markup changes: customer-level users are never told its name.</summary>
    public bool ConcernsMarkup => KindList.Contains(OrderItemKind.ChangeMarkup);

    private static List<T> Parse<T>(string list) where T : struct, Enum =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => Enum.TryParse<T>(v, out var e) ? e : (T?)null).OfType<T>().ToList();
}

public sealed record ApprovalRuleDto(string Name, IReadOnlyList<Role> PlacedBy, IReadOnlyList<OrderItemKind> Kinds, decimal? MinMonthlyAmount,
    IReadOnlyList<Role> Approvers);

public sealed record ApprovalRulesDto(IReadOnlyList<ApprovalRuleDto> Rules);

[System.ComponentModel.Description("One rule: orders placed by a role of `placedBy` (empty: any buyer) with items of `kinds` (empty: any kind) " +
    "that change the monthly bill by at least `minMonthlyAmount` (absent: any amount, in the order's currency) wait for a user with a role of `approvers`.")]
public sealed record ApprovalRuleRequest(string? Name = null, IReadOnlyList<Role>? PlacedBy = null, IReadOnlyList<OrderItemKind>? Kinds = null,
    decimal? MinMonthlyAmount = null, IReadOnlyList<Role>? Approvers = null);

[System.ComponentModel.Description("Every rule of the caller's organization, in order; it replaces the rules there were. An empty list means no approvals.")]
[ApiName("approval rules")]
public sealed record ApprovalRulesRequest(IReadOnlyList<ApprovalRuleRequest?>? Rules = null);

/// <summary>
/// The approval rules: who sets them (a seller admin for its customers, a customer admin for its own
/// organization), matching an order at placing, and who may decide (<see cref="MayDecide"/>).
/// </summary>
public static class ApprovalRules
{
    /// <summary>A seller admin manages its rules for its customers, a customer admin its own organization's (workflow.md).</summary>
    public static bool MayManage(Actor actor) =>
        (actor.OrganizationType == OrganizationType.Seller && actor.Roles.Contains(Role.SellerAdmin)) ||
        (actor.OrganizationType == OrganizationType.Customer && actor.Roles.Contains(Role.CustomerAdmin));

    /// <summary>The organization whose rules the caller manages: its own (403 when it may not, <see cref="MayManage"/>).</summary>
    public static Guid RulesOrganizationOf(Actor actor) => MayManage(actor)
        ? actor.OrganizationId
        : throw new ForbiddenException("Only a seller admin (for its customers) or a customer admin (for its own organization) manages approval rules.");

    /// <summary>The roles a rule of this level may name, as placers (<c>placedBy</c>) and as approvers (<c>approvers</c>).</summary>
    public static (IReadOnlyList<Role> Placers, IReadOnlyList<Role> Approvers) RolesOf(OrganizationType level)
    {
        var allowed = RolesFor(level);
        return (allowed.Where(r => Permissions.CanBuy([r])).ToList(), allowed);
    }

    /// <summary>Who may place under a rule and who may approve, by the level of the organization that sets it.</summary>
    private static IReadOnlyList<Role> RolesFor(OrganizationType level) => (level == OrganizationType.Seller
        ? [.. Permissions.RolesOf(OrganizationType.Seller), .. Permissions.RolesOf(OrganizationType.Customer)]
        : Permissions.RolesOf(OrganizationType.Customer)).Where(Permissions.MayApprove).ToList();

    public static async Task<ApprovalRulesDto> GetAsync(AppDbContext db, Actor actor, CancellationToken ct)
    {
        var org = RulesOrganizationOf(actor);
        var rules = await db.ApprovalRules.AsNoTracking().Where(r => r.OrganizationId == org).OrderBy(r => r.Position).ToListAsync(ct);
        return new ApprovalRulesDto(rules.Select(ToDto).ToList());
    }

    /// <summary>Replaces the caller's organization's rules: all checked first (400 naming each field), nothing stored on a problem.</summary>
    public static async Task<ApprovalRulesDto> PutAsync(AppDbContext db, Actor actor, ApprovalRulesRequest? request, CancellationToken ct)
    {
        var org = RulesOrganizationOf(actor);
        if (request?.Rules is not { } list)
            throw RequestValidationException.For("rules", "Required: the list of rules ([] for no approvals).");
        var errors = new ValidationErrors();
        if (list.Count > ApprovalRule.MaxRules) errors.Add("rules", $"At most {ApprovalRule.MaxRules} rules.");
        var (buyers, allowed) = RolesOf(actor.OrganizationType);
        var rules = new List<ApprovalRule>();
        foreach (var (rule, i) in list.Select((r, i) => (r, i)))
        {
            var f = $"rules[{i}]";
            if (rule is null) { errors.Add(f, "Required: a rule object."); continue; }
            var name = rule.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > ApprovalRule.MaxNameLength || OrderValidator.HasNul(name))
                errors.Add($"{f}.name", $"Required, 1 to {ApprovalRule.MaxNameLength} characters.");
            else if (list.Take(i).Any(o => string.Equals(o?.Name?.Trim(), name, StringComparison.OrdinalIgnoreCase)))
                errors.Add($"{f}.name", "Each rule needs its own name.");
            foreach (var (role, j) in (rule.PlacedBy ?? []).Select((r, j) => (r, j)))
                if (!buyers.Contains(role))
                    errors.Add($"{f}.placedBy[{j}]", $"{ApiNames.Of(role)} does not place orders for this organization's customers; one of {string.Join(", ", buyers.Select(r => ApiNames.Of(r)))}.");
            if (actor.OrganizationType == OrganizationType.Customer && (rule.Kinds ?? []).Contains(OrderItemKind.ChangeMarkup))
                errors.Add($"{f}.kinds", "A customer's rule cannot concern markup changes; they are the seller's.");
            if (rule.MinMonthlyAmount is { } min && (min < 0 || min > 1_000_000_000m || decimal.Round(min, 2) != min))
                errors.Add($"{f}.minMonthlyAmount", "A monthly amount from 0, with at most two decimals.");
            if (rule.Approvers is not { Count: > 0 } approvers)
                errors.Add($"{f}.approvers", $"Required: at least one role of {string.Join(", ", allowed.Select(r => ApiNames.Of(r)))}.");
            else
                foreach (var (role, j) in approvers.Select((r, j) => (r, j)))
                    if (!allowed.Contains(role))
                        errors.Add($"{f}.approvers[{j}]", $"Approvers come from this organization's roles and its customers': one of {string.Join(", ", allowed.Select(r => ApiNames.Of(r)))}.");
            rules.Add(new ApprovalRule(org, i, name ?? "", (rule.PlacedBy ?? []).Distinct(), (rule.Kinds ?? []).Distinct(), rule.MinMonthlyAmount,
                (rule.Approvers ?? []).Distinct()));
        }
        errors.ThrowIfAny("The approval rules were not saved; correct the fields listed.");

        db.ApprovalRules.RemoveRange(await db.ApprovalRules.Where(r => r.OrganizationId == org).ToListAsync(ct));
        db.ApprovalRules.AddRange(rules);
        await db.SaveChangesAsync(ct);
        return new ApprovalRulesDto(rules.Select(ToDto).ToList());
    }

    private static ApprovalRuleDto ToDto(ApprovalRule r) =>
        new(r.Name, r.PlacedByRoles, r.KindList, r.MinMonthlyAmount, r.ApproverRoles);

    /// <summary>The seller's and the customer's rules: compiled, as every order's placing reads them.</summary>
    private static readonly PerModel<Func<AppDbContext, Guid, Guid, IAsyncEnumerable<ApprovalRule>>> RulesQuery =
        new(() => EF.CompileAsyncQuery((AppDbContext db, Guid sellerId, Guid customerId) =>
            db.ApprovalRules.AsNoTracking().Where(r => r.OrganizationId == sellerId || r.OrganizationId == customerId)));

    /// <summary>
    /// The first rule that holds this order, the seller's before the customer's own; null when none does.
    /// A customer's rule looks at the items customers see only, so a markup-only order never waits for a customer.
    /// The amount is the monthly change of the bill from <see cref="ItemPricing.MonthlyAmount"/>, the order totals' own pricing.
    /// </summary>
    public static async Task<ApprovalMatch?> MatchAsync(AppDbContext db, CustomerContext ctx, Order order, CancellationToken ct)
    {
        var sellerId = ctx.Seller.Id;
        var customerId = ctx.CustomerId;
        var rules = await RulesQuery.For(db)(db, sellerId, customerId).ToListAsync(ct);
        foreach (var rule in rules.OrderBy(r => r.OrganizationId == sellerId ? 0 : 1).ThenBy(r => r.Position))
        {
            var byCustomer = rule.OrganizationId == customerId;
            var placedBy = rule.PlacedByRoles;
            if (placedBy.Count > 0 && !ctx.Actor.Roles.Any(placedBy.Contains)) continue;
            var kinds = rule.KindList;
            var items = order.Items.Where(i => (kinds.Count == 0 || kinds.Contains(i.Kind)) && !(byCustomer && i.IsMarkupChange)).ToList();
            if (items.Count == 0) continue;
            var monthly = items.Aggregate(Money.Zero(order.Currency), (sum, i) => sum + i.Pricing.MonthlyAmount);
            if (rule.MinMonthlyAmount is { } min && monthly.Amount < min) continue;
            return new ApprovalMatch(rule.Name, rule.ApproverRoles, rule.ConcernsMarkup || items.All(i => i.IsMarkupChange));
        }
        return null;
    }

    /// <summary>
    /// Whether the viewer may approve or reject this order now: it waits for approval, the viewer has a role
    /// the rule names, and did not create the order or ask for its approval (nobody approves their own).
    /// </summary>
    public static bool MayDecide(Actor actor, Order order) => DecisionRefusal(actor, order) is null;

    /// <summary>
    /// Why an approver of this pending order (a role its rule names) may not decide it — their own order — for
    /// its <c>unavailableActions</c>; null for everyone else, who could never decide it, and for who may.
    /// </summary>
    public static string? WhyNotDecide(Actor actor, Order order) =>
        order.Status == OrderStatus.PendingApproval && actor.Roles.Any(order.Approvers.Contains) ? DecisionRefusal(actor, order) : null;

    /// <summary>Why the viewer may not decide on this pending order (403), or null when they may.</summary>
    public static string? DecisionRefusal(Actor actor, Order order)
    {
        if (!actor.Roles.Any(Permissions.MayApprove)) return ReadOnlyRefusal;
        if (order.Status != OrderStatus.PendingApproval) return "The order does not wait for approval.";
        if (actor.UserId == order.CreatedByUserId || actor.UserId == order.ApprovalRequestedByUserId)
            return "Nobody approves their own order: another user with a role the approval rule names must decide.";
        var approvers = order.Approvers;
        if (!actor.Roles.Any(approvers.Contains))
            return $"Only {string.Join(" or ", approvers.Select(r => ApiNames.Of(r)))} may decide on this order.";
        return null;
    }

    /// <summary>The approval as the viewer sees it; a rule about markup is not named to customer-level users.</summary>
    public static ApprovalDto? ToDto(Order order, CustomerContext ctx) =>
        order.ApprovalRule is null ? null : new ApprovalDto(
            RuleNameSeenBy(ctx, order.ApprovalRule, order.ApprovalConcernsMarkup),
            new EventActorDto(order.ApprovalRequestedByName ?? "", order.ApprovalRequestedByOrganizationName),
            order.ApprovalRequestedAt ?? order.PlacedAt ?? order.CreatedAt,
            order.Approvers);

    /// <summary>A rule's name as the viewer may read it: a rule about markup is not named to customer-level users.</summary>
    public static string RuleNameSeenBy(CustomerContext ctx, string rule, bool concernsMarkup) =>
        concernsMarkup && !OrderVisibility.SeesMarkup(ctx) ? HiddenRuleName : rule;

    public const string ReadOnlyRefusal = "Your role may read orders but not decide on them.";

    /// <summary>What customer-level users read instead of the name of a seller's rule about markup.</summary>
    public const string HiddenRuleName = "Your seller's approval";
}

/// <summary><c>approval</c> of an order held by a rule: which, who asked when, and the roles that may decide.</summary>
public sealed record ApprovalDto(string Rule, EventActorDto RequestedBy, DateTime RequestedAt, IReadOnlyList<Role> Approvers);

using System.Net.Mail;
using System.Text.RegularExpressions;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders;

/// <summary>
/// Turns item requests into <see cref="ItemSpec"/>s and checks every business rule of an item
/// (orders.md, "Placing validates the whole order first"). Used when an item is added or changed
/// and again, for every item, when the order is placed, so the rules live only here.
/// </summary>
public sealed partial class OrderValidator
{
    public const decimal MaxMarkupPercent = 500m;

    private readonly CustomerContext _ctx;
    private readonly Dictionary<string, Offer> _offers;
    private readonly Dictionary<Guid, Subscription> _subscriptions;
    private readonly HashSet<string> _othersTenants;
    private readonly DateTime _now;

    /// <summary>
    /// When the items will run: now, or the order's scheduled moment (<see cref="RunsAt"/>). The cancellation window is
    /// judged then, not now: a decrease scheduled for the renewal falls in the window the renewal opens.
    /// </summary>
    private DateTime _runsAt;

    private OrderValidator(CustomerContext ctx, Dictionary<string, Offer> offers, Dictionary<Guid, Subscription> subscriptions,
        HashSet<string> othersTenants, DateTime now)
    {
        _ctx = ctx;
        _offers = offers;
        _subscriptions = subscriptions;
        _othersTenants = othersTenants;
        _now = now;
        _runsAt = now;
    }

    /// <summary>Judges the items as of the moment they will run (null: when placed, i.e. now); see <see cref="_runsAt"/>.</summary>
    public OrderValidator RunsAt(DateTime? scheduledFor)
    {
        _runsAt = scheduledFor is { } moment && moment > _now ? moment : _now;
        return this;
    }

    /// <summary>
    /// The moment a schedule would run the requested items, for judging them before they are stored (null: now, or a
    /// schedule that is not valid, whose problems <see cref="ScheduledFor(ScheduleRequest, Order, ValidationErrors)"/> reports).
    /// </summary>
    public DateTime? ScheduledFor(ScheduleRequest? schedule, IEnumerable<OrderItemRequest?> requests) =>
        schedule is null ? null : ScheduledFor(schedule,
            requests.Where(r => r?.Kind is not null).Select(r => (r!.SubscriptionId, r.Kind!.Value, Description: "")).ToList(), new ValidationErrors());

    /// <summary>For items as clients send them (creating an order, adding or changing an item).</summary>
    public static Task<OrderValidator> LoadAsync(AppDbContext db, CustomerContext ctx, IEnumerable<OrderItemRequest?> requests, DateTime now,
        CancellationToken ct)
    {
        var list = requests.ToList();
        return LoadAsync(db, ctx, list.Select(r => r?.SubscriptionId), list.Select(r => r?.TenantName), now, ct);
    }

    /// <summary>For every item of an order (placing it).</summary>
    public static Task<OrderValidator> LoadAsync(AppDbContext db, CustomerContext ctx, Order order, DateTime now, CancellationToken ct) =>
        LoadAsync(db, ctx, order.Items.Select(i => i.SubscriptionId), order.Items.Select(i => i.TenantName), now, ct);

    /// <summary>
    /// Loads the catalog and, of the customer's subscriptions and of the platform's tenants, those the
    /// items name, once for a whole validation. Only those: a customer may hold thousands, and every
    /// order would pay for all of them.
    /// </summary>
    private static async Task<OrderValidator> LoadAsync(AppDbContext db, CustomerContext ctx, IEnumerable<Guid?> subscriptionIds,
        IEnumerable<string?> tenantNames, DateTime now, CancellationToken ct)
    {
        var offers = await CatalogQuery.For(db)(db).ToDictionaryAsync(o => o.Id, cancellationToken: ct);
        var ids = subscriptionIds.OfType<Guid>().Distinct().ToList();
        // Tracked: applying a completed order changes these same subscription objects.
        var subscriptions = ids.Count == 0
            ? []
            : await db.Subscriptions.Where(s => s.CustomerId == ctx.CustomerId && ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, ct);
        return new OrderValidator(ctx, offers, subscriptions, await OthersTenantsAsync(db, ctx, tenantNames, ct), now);
    }

    /// <summary>The catalog's offers with their vendors: compiled, as every order's creation and placing reads it.</summary>
    private static readonly PerModel<Func<AppDbContext, IAsyncEnumerable<Offer>>> CatalogQuery =
        new(() => EF.CompileAsyncQuery((AppDbContext db) => db.Offers.AsNoTracking().Include(o => o.Vendor)));

    /// <summary>Of the tenant names given, those recorded as another customer's (normalised).</summary>
    public static async Task<HashSet<string>> OthersTenantsAsync(AppDbContext db, CustomerContext ctx, IEnumerable<string?> tenantNames, CancellationToken ct)
    {
        var names = tenantNames.Where(n => !string.IsNullOrWhiteSpace(n) && n.Length <= 253 && !HasNul(n)).Select(n => CustomerTenant.Normalize(n!)).Distinct().ToList();
        if (names.Count == 0) return [];
        var taken = await db.CustomerTenants.AsNoTracking()
            .Where(t => names.Contains(t.Name) && t.CustomerId != ctx.CustomerId).Select(t => t.Name).ToListAsync(ct);
        return taken.ToHashSet();
    }

    /// <summary>
    /// A tenant belongs to one customer: naming another's would buy into their tenant (Microsoft then
    /// refuses the owner's own next purchase). Which customer owns it is not said.
    /// </summary>
    public static void CheckTenantOwner(string? tenant, ISet<string> othersTenants, string field, ValidationErrors errors)
    {
        // A malformed name has its own error (CheckTenant) and cannot be anyone's.
        if (!string.IsNullOrWhiteSpace(tenant) && TenantPattern().IsMatch(tenant.Trim()) && othersTenants.Contains(CustomerTenant.Normalize(tenant)))
            errors.Add(field, $"The tenant {CustomerTenant.Normalize(tenant)} belongs to another customer; name one of this customer's tenants or a new one.");
    }

    /// <summary>Resolves one request into a spec and validates it; throws 400 with every problem.</summary>
    public ItemSpec Resolve(OrderItemRequest request, string prefix = "")
    {
        var errors = new ValidationErrors();
        var spec = Resolve(request, prefix, errors);
        errors.ThrowIfAny();
        return spec!;
    }

    /// <summary>
    /// The spec of a request as far as pricing goes (offer, quantity, billing cycle and add-ons valid;
    /// contact and tenant not yet given is fine), so a total can be shown before the item is added; else null.
    /// </summary>
    public ItemSpec? Priceable(OrderItemRequest request)
    {
        var errors = new ValidationErrors();
        var spec = Resolve(request, "", errors);
        return spec is not null && !errors.Fields.Any(f => f is "offerId" or "quantity" or "billingCycle" || f.StartsWith("addons", StringComparison.Ordinal))
            ? spec : null;
    }

    /// <summary>Rebuilds a spec from a stored item against today's subscriptions, for placing.</summary>
    public OrderItemRequest ToRequest(OrderItem item) => new(
        item.Kind,
        item.Kind == OrderItemKind.NewSubscription ? item.OfferId : null,
        item.SubscriptionId,
        item.Kind is OrderItemKind.NewSubscription or OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity ? item.Quantity : null,
        item.BillingCycle,
        item.Addons.Select(a => new AddonRequest(a.OfferId, a.Quantity)).ToList(),
        item.AdminContact is { } c ? new AdminContactDto(c.Email, c.FirstName, c.LastName) : null,
        item.TenantName,
        item.AutoRenew,
        item.MarkupPercent);

    public const string CannotBePlaced = "The order cannot be placed; correct the items listed.";

    /// <summary>Validates every item of an order for placing; all problems at once.</summary>
    public void ValidateForPlacing(Order order)
    {
        var errors = new ValidationErrors();
        AddPlacingProblems(order, errors);
        errors.ThrowIfAny(CannotBePlaced);
    }

    /// <summary>
    /// Every problem that placing the order would answer (400), by field, as <see cref="ValidateForPlacing"/>
    /// throws them; empty when it would be placed. The preview shows these without placing.
    /// </summary>
    public IDictionary<string, string[]> PlacingProblems(Order order)
    {
        var errors = new ValidationErrors();
        AddPlacingProblems(order, errors);
        return errors.ToDictionary();
    }

    private void AddPlacingProblems(Order order, ValidationErrors errors)
    {
        if (order.Items.Count == 0)
            errors.Add("items", Order.NothingToPlace);
        // Indexes are those of the items the caller sees, so a customer-level user's errors never
        // reveal a markup item; that such an order cannot be placed by them is said without detail.
        // In the order's own item order, so items[i] names the item the client sees at index i.
        var visible = order.Items.Where(i => OrderVisibility.SeesItem(_ctx, i.Kind)).OrderBy(i => i.Position).ToList();
        if (visible.Count < order.Items.Count)
            errors.Add("order", "This order holds changes that only your seller can place; ask your seller to place it.");
        foreach (var (item, index) in visible.Select((item, index) => (item, index)))
            Resolve(ToRequest(item), $"items[{index}]", errors);
        var duplicates = order.Items.Where(i => i.SubscriptionId is not null && i.Kind != OrderItemKind.ChangeMarkup)
            .GroupBy(i => (i.SubscriptionId, Quantity: i.Kind is OrderItemKind.IncreaseQuantity or OrderItemKind.DecreaseQuantity or OrderItemKind.Cancel))
            .Where(g => g.Key.Quantity && g.Count() > 1);
        foreach (var g in duplicates)
            errors.Add("items", $"The order changes the licences of {g.First().OfferName} more than once; keep one item.");
    }

    /// <summary>
    /// Checks a schedule (workflow.md, Scheduling) against the items and answers the moment the order will
    /// run (null: when placed). <c>at</c> must be in the future; <c>onRenewal</c> needs every item to change an
    /// existing subscription, all renewing at the same moment. Problems go to <paramref name="errors"/> as
    /// <c>schedule.*</c> and, naming the items, <c>items[i]</c> (indexes among the items the caller sees).
    /// </summary>
    public DateTime? ScheduledFor(ScheduleRequest schedule, IReadOnlyList<(Guid? SubscriptionId, OrderItemKind Kind, string Description)> items,
        ValidationErrors errors)
    {
        switch (schedule.When)
        {
            case null:
                errors.Add("schedule.when", $"Required: one of {ApiNames.OneOf<ScheduleKind>()}.");
                return null;
            case ScheduleKind.Now:
                if (schedule.At is not null) errors.Add("schedule.at", "Only with \"when\": \"at\".");
                return null;
            case ScheduleKind.At:
                if (schedule.At is not { } at)
                    errors.Add("schedule.at", "Required with \"when\": \"at\": the moment the order runs, e.g. 2026-12-15T00:00:00Z.");
                else if (at.ToUniversalTime() <= _now)
                    errors.Add("schedule.at", $"Must be in the future; it is now {OrderSchedule.Moment(_now)}.");
                else if (at.ToUniversalTime() > _now.AddYears(OrderSchedule.MaxYearsAhead))
                    errors.Add("schedule.at", $"At most {OrderSchedule.MaxYearsAhead} years ahead.");
                else
                    return DateTime.SpecifyKind(at.ToUniversalTime(), DateTimeKind.Utc);
                return null;
        }
        if (schedule.At is not null) errors.Add("schedule.at", "Only with \"when\": \"at\".");
        var visible = items.Where(i => OrderVisibility.SeesItem(_ctx, i.Kind)).ToList();
        if (items.Count == 0)
        {
            errors.Add("schedule.when", "An order without items has no renewal to wait for; add the changes first.");
            return null;
        }
        var renewals = new List<(DateTime Renewal, string Description)>();
        var notRenewing = false;
        foreach (var (item, index) in visible.Select((item, index) => (item, index)))
        {
            if (item.SubscriptionId is { } id && _subscriptions.TryGetValue(id, out var subscription))
                renewals.Add((subscription.TermAt(_now).EndsAt, item.Description));
            else
            {
                notRenewing = true;
                errors.Add($"items[{index}]", $"\"{item.Description}\" does not change an existing subscription, so it has no renewal to wait for; " +
                    "order it now or at a date.");
            }
        }
        // A hidden (markup) item renewing elsewhere is named to those who see it only.
        var hidden = items.Except(visible).Where(i => i.SubscriptionId is { } id && _subscriptions.ContainsKey(id)).Select(i => _subscriptions[i.SubscriptionId!.Value].TermAt(_now).EndsAt);
        var moments = renewals.Select(r => r.Renewal).Concat(hidden).Distinct().ToList();
        if (notRenewing) return null;
        if (moments.Count > 1)
        {
            errors.Add("schedule.when", "Every item must renew at the same moment to run on renewal: " +
                string.Join("; ", renewals.Select(r => $"\"{r.Description}\" renews {OrderSchedule.Moment(r.Renewal)}")) + ". Place them in separate orders.");
            return null;
        }
        return moments.Count == 1 ? moments[0] : null;
    }

    /// <summary>The schedule of an order's own items (setting it on a cart, placing it).</summary>
    public DateTime? ScheduledFor(ScheduleRequest schedule, Order order, ValidationErrors errors) =>
        ScheduledFor(schedule, order.Items.OrderBy(i => i.Position).Select(i => (i.SubscriptionId, i.Kind, i.Description)).ToList(), errors);

    private ItemSpec? Resolve(OrderItemRequest r, string prefix, ValidationErrors errors)
    {
        string F(string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";
        if (r.Kind is not { } kind)
        {
            errors.Add(F("kind"), $"Required: one of {ApiNames.OneOf<OrderItemKind>()}.");
            return null;
        }

        // Buying at all was checked by the command (403); the markup is a right of some buyers only.
        if (kind == OrderItemKind.ChangeMarkup && !_ctx.Actor.CanChangeMarkup)
            errors.Add(F("kind"), "Your role may not change the markup of a subscription.");

        Subscription? subscription = null;
        Offer? offer;
        if (kind == OrderItemKind.NewSubscription)
        {
            offer = r.OfferId is null ? null : _offers.GetValueOrDefault(r.OfferId);
            if (offer is null)
            {
                errors.Add(F("offerId"), r.OfferId is null ? "Required for a new subscription." : $"No offer '{Clip(r.OfferId)}' in the catalog.");
                return null;
            }
        }
        else
        {
            subscription = r.SubscriptionId is { } sid ? _subscriptions.GetValueOrDefault(sid) : null;
            if (subscription is null)
            {
                errors.Add(F("subscriptionId"), r.SubscriptionId is null ? "Required for this kind of change." : "No such subscription for this customer.");
                return null;
            }
            offer = _offers[subscription.OfferId];
            if (subscription.Status == SubscriptionStatus.Cancelled)
            {
                errors.Add(F("subscriptionId"), SubscriptionActions.WhyNot(SubscriptionActions.Cancel, subscription, offer, _runsAt)!);
                return null;
            }
        }

        var addons = new List<(Offer, int)>();
        var cycle = subscription?.BillingCycle ?? r.BillingCycle ?? BillingCycle.Monthly;
        switch (kind)
        {
            case OrderItemKind.NewSubscription:
                if (offer.IsAddon)
                    errors.Add(F("offerId"), $"{offer.Name} is an add-on; add it to a subscription of {string.Join(" or ", offer.AddonFor.Select(a => _offers.GetValueOrDefault(a)?.Name ?? a))}.");
                CheckQuantity(r.Quantity, offer, F("quantity"), errors);
                if (!offer.BillingCycles.Contains(cycle))
                    errors.Add(F("billingCycle"), $"{offer.Name} is billed {string.Join(" or ", offer.BillingCycles.Select(c => ApiNames.Of(c)))} only.");
                CheckContact(r.AdminContact, F("adminContact"), errors);
                if (offer.Vendor.RequiresTenant)
                {
                    CheckTenant(r.TenantName, F("tenantName"), errors, required: true);
                    CheckTenantOwner(r.TenantName, _othersTenants, F("tenantName"), errors);
                }
                else if (!string.IsNullOrWhiteSpace(r.TenantName))
                    errors.Add(F("tenantName"), $"{offer.Vendor.Name} offers have no tenant name.");
                foreach (var (addon, i) in (r.Addons ?? []).Select((a, i) => (a, i)))
                {
                    var field = F($"addons[{i}]");
                    var addonOffer = addon?.OfferId is null ? null : _offers.GetValueOrDefault(addon.OfferId);
                    if (addonOffer is null)
                        errors.Add($"{field}.offerId", addon?.OfferId is null ? "Required." : $"No offer '{Clip(addon.OfferId)}' in the catalog.");
                    else if (!addonOffer.AddonFor.Contains(offer.Id))
                        errors.Add($"{field}.offerId", $"{addonOffer.Name} is not an add-on of {offer.Name}.");
                    else
                    {
                        CheckQuantity(addon!.Quantity, addonOffer, $"{field}.quantity", errors);
                        addons.Add((addonOffer, addon.Quantity ?? 0));
                    }
                }
                if (addons.GroupBy(a => a.Item1.Id).Any(g => g.Count() > 1))
                    errors.Add(F("addons"), "Each add-on may be listed once.");
                break;

            case OrderItemKind.IncreaseQuantity:
                CheckQuantity(r.Quantity, offer, F("quantity"), errors);
                if (r.Quantity is { } up && up <= subscription!.Quantity)
                    errors.Add(F("quantity"), $"An increase must be above the current {subscription.Quantity} licences.");
                break;

            case OrderItemKind.DecreaseQuantity:
                if (r.Quantity is < 0)
                    errors.Add(F("quantity"), "A quantity cannot be below zero.");
                else
                    CheckQuantity(r.Quantity, offer, F("quantity"), errors);
                if (r.Quantity is { } down && down >= subscription!.Quantity)
                    errors.Add(F("quantity"), $"A decrease must be below the current {subscription.Quantity} licences.");
                else if (r.Quantity is { } quantity && subscription!.DecreaseRefusal(offer, quantity, _runsAt) is { } refusal)
                    errors.Add(F("quantity"), refusal);
                break;

            // The subscription's state decides these, in the words its unavailable actions use.
            case OrderItemKind.Suspend:
            case OrderItemKind.Reactivate:
            case OrderItemKind.Cancel:
                if (SubscriptionActions.WhyNot(SubscriptionActions.Of(kind), subscription!, offer, _runsAt) is { } whyNot)
                    errors.Add(F("subscriptionId"), whyNot);
                break;

            case OrderItemKind.ChangeAutoRenew:
                if (r.AutoRenew is null)
                    errors.Add(F("autoRenew"), "Required: true or false.");
                break;

            case OrderItemKind.ChangeMarkup:
                if (r.MarkupPercent is not { } m)
                    errors.Add(F("markupPercent"), "Required.");
                else if (m < 0 || m > MaxMarkupPercent)
                    errors.Add(F("markupPercent"), $"Must be between 0 and {MaxMarkupPercent}.");
                else if (decimal.Round(m, 2) != m)
                    errors.Add(F("markupPercent"), "At most two decimals.");
                break;
        }

        return new ItemSpec(kind, offer, subscription, r.Quantity, cycle, addons,
            r.AdminContact is { Email: { } e } c ? new AdminContact(e.Trim(), c.FirstName?.Trim() ?? "", c.LastName?.Trim() ?? "") : null,
            r.TenantName, r.AutoRenew, r.MarkupPercent, _ctx.Seller.DistributorMarkupPercent,
            subscription?.MarkupPercent ?? _ctx.Seller.DefaultSellerMarkupPercent);
    }

    private static void CheckQuantity(int? quantity, Offer offer, string field, ValidationErrors errors)
    {
        if (quantity is not { } q)
            errors.Add(field, "Required.");
        else if (q < offer.MinQuantity || q > offer.MaxQuantity)
            errors.Add(field, $"{offer.Name} is sold in quantities from {offer.MinQuantity} to {offer.MaxQuantity}.");
    }

    public static void CheckContact(AdminContactDto? contact, string field, ValidationErrors errors)
    {
        if (contact is null)
        {
            errors.Add(field, "An admin contact (email, firstName, lastName) is required for a new subscription.");
            return;
        }
        if (!IsEmail(contact.Email))
            errors.Add($"{field}.email", "A valid e-mail address is required.");
        if (string.IsNullOrWhiteSpace(contact.FirstName) || contact.FirstName.Length > 100 || HasNul(contact.FirstName))
            errors.Add($"{field}.firstName", "Required, at most 100 characters.");
        if (string.IsNullOrWhiteSpace(contact.LastName) || contact.LastName.Length > 100 || HasNul(contact.LastName))
            errors.Add($"{field}.lastName", "Required, at most 100 characters.");
    }

    public static void CheckTenant(string? tenant, string field, ValidationErrors errors, bool required)
    {
        if (string.IsNullOrWhiteSpace(tenant))
        {
            if (required) errors.Add(field, "Microsoft subscriptions need the customer's tenant name, e.g. fabrikam.onmicrosoft.com.");
            return;
        }
        if (!TenantPattern().IsMatch(tenant.Trim()))
            errors.Add(field, "A tenant name looks like fabrikam.onmicrosoft.com (letters and digits, 3 to 27 characters, then .onmicrosoft.com).");
    }

    /// <summary>PostgreSQL text cannot hold a NUL character: such input is malformed (400), never a 500.</summary>
    public static bool HasNul(string? text) => text is not null && text.Contains('\0');

    public static bool IsEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || HasNul(email)) return false;
        return MailAddress.TryCreate(email.Trim(), out var parsed) && parsed.Address == email.Trim() && parsed.Host.Contains('.');
    }

    [GeneratedRegex(@"^[a-zA-Z0-9]{3,27}\.onmicrosoft\.com$")]
    private static partial Regex TenantPattern();

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;
}

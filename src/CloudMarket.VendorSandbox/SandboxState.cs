using System.Net.Mail;
using System.Text.RegularExpressions;
using CloudMarket.VendorPolicies;

namespace CloudMarket.VendorSandbox;

/// <summary>An answer of the sandbox: the status code and the JSON body, kept per idempotency key.</summary>
public sealed record SandboxReply(int Status, object Body)
{
    public IResult ToResult() => Results.Json(Body, statusCode: Status);
}

/// <summary>One purchase or change the sandbox accepted: what the exactly-once tests count.</summary>
public sealed record SandboxPurchase(DateTime At, string Api, string Operation, string IdempotencyKey, string OfferId,
    int Quantity, string SubscriptionId);

public sealed class SandboxTenant(string id, string domain, string externalReference)
{
    public string Id { get; } = id;
    public string Domain { get; } = domain;
    public string ExternalReference { get; } = externalReference;
}

public sealed class SandboxSubscription(string id, string offerId, int quantity, DateTime termStartedAt)
{
    public string Id { get; } = id;
    public string OfferId { get; } = offerId;
    public int Quantity { get; set; } = quantity;
    public bool Suspended { get; set; }
    public bool AutoRenew { get; set; } = true;
    public bool Cancelled { get; set; }

    /// <summary>
    /// When the current term began (the purchase or the last renewal); the cancellation window opens then.
    /// DateTime.MinValue: bought long ago, before the sandbox knew it.
    /// </summary>
    public DateTime TermStartedAt { get; private set; } = termStartedAt;

    /// <summary>The vendor renews a subscription that renews itself when its term ends (the platform's rule, <see cref="SubscriptionTerms"/>).</summary>
    public void RenewUntil(int termMonths, DateTime now) => TermStartedAt =
        SubscriptionTerms.At(new SubscriptionTerm(TermStartedAt, TermStartedAt.AddMonths(termMonths)), termMonths, AutoRenew && !Cancelled, now).StartsAt;

    /// <summary>The increases whose own window may be open: the licences each added can be taken back until it closes.</summary>
    public List<IncreaseWindow> Increases { get; set; } = [];
}

public sealed record SandboxLine(int LineItemNumber, string OfferId, int Quantity, string SubscriptionId);

public sealed record SandboxCart(string Id, string CustomerId, IReadOnlyList<(string OfferId, int Quantity)> Lines);

public sealed record SandboxOrder(string Id, string CustomerId, DateTime CreatedAt, IReadOnlyList<SandboxLine> Lines);

/// <summary>
/// The vendor's side of the world: tenants, subscriptions, carts and orders, and every reply given
/// per idempotency key. All of it in memory behind one lock: the handlers are short and never await inside.
/// The business rules are deterministic, so tests can ask for a rejection by the data they send.
/// </summary>
public sealed class SandboxState
{
    /// <summary>Tenant names another organization already owns.</summary>
    public static readonly IReadOnlyList<string> TakenTenants = ["contoso.onmicrosoft.com", "microsoft.onmicrosoft.com", "northwind.onmicrosoft.com"];

    /// <summary>Mail to these domains bounces: the vendor cannot reach the admin.</summary>
    public static readonly IReadOnlyList<string> UnreachableMailDomains = ["invalid.example"];

    private static readonly IReadOnlyDictionary<string, SandboxProduct> Catalog = SandboxProducts.All;
    private static readonly Regex TenantPrefix = new("^[a-z0-9][a-z0-9-]{0,26}$", RegexOptions.CultureInvariant);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SandboxReply> _replies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxTenant> _tenantsByDomain = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SandboxTenant> _tenantsById = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SandboxSubscription> _subscriptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SandboxCart> _carts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SandboxOrder> _orders = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SandboxPurchase> _purchases = [];
    private int _replays;
    private long _sequence;

    private readonly VendorSandboxOptions options;
    private readonly TimeProvider clock;

    public SandboxState(VendorSandboxOptions options, TimeProvider clock)
    {
        this.options = options;
        this.clock = clock;
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// What the vendor sold before this sandbox started (it keeps its state in memory): the tenants and
    /// their owners, and the subscriptions with the start of their current term. Without it the
    /// sandbox would hand a customer's tenant to whoever names it first.
    /// </summary>
    public void Seed(SandboxWorld world)
    {
        lock (_gate)
        {
            foreach (var t in world.Tenants)
            {
                var domain = t.Domain.Trim().ToLowerInvariant();
                if (_tenantsByDomain.ContainsKey(domain)) continue;
                var tenant = new SandboxTenant(NewId("tenant"), domain, t.CustomerReference);
                _tenantsByDomain[domain] = tenant;
                _tenantsById[tenant.Id] = tenant;
            }
            foreach (var s in world.Subscriptions)
                _subscriptions[s.Id] = new SandboxSubscription(s.Id, s.OfferId, s.Quantity, s.TermStartedAt)
                {
                    Suspended = s.Suspended, AutoRenew = s.AutoRenew, Cancelled = s.Cancelled, Increases = [.. s.Increases ?? []],
                };
        }
    }

    /// <summary>The external reference (the platform's customer id) of whoever holds a tenant; null when nobody does.</summary>
    public string? TenantOwner(string domain)
    {
        lock (_gate) return _tenantsByDomain.TryGetValue(domain.Trim().ToLowerInvariant(), out var t) ? t.ExternalReference : null;
    }

    public IReadOnlyList<SandboxPurchase> Purchases { get { lock (_gate) return _purchases.ToList(); } }

    /// <summary>Requests answered from the idempotency store instead of being done again.</summary>
    public int Replays { get { lock (_gate) return _replays; } }

    /// <summary>
    /// Runs <paramref name="work"/> once per idempotency key; a repeated key gets the first reply,
    /// whatever it was, and changes nothing.
    /// </summary>
    public SandboxReply Once(string? idempotencyKey, Func<SandboxReply> work)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey))
            return Error(400, "IdempotencyKeyRequired", "Every request that changes something needs an Idempotency-Key header.");
        lock (_gate)
        {
            if (_replies.TryGetValue(idempotencyKey, out var earlier))
            {
                _replays++;
                return earlier;
            }
            var reply = work();
            _replies[idempotencyKey] = reply;
            return reply;
        }
    }

    // ---- Partner Center ------------------------------------------------------------------

    public SandboxReply CreateCustomer(PartnerCustomerRequest request)
    {
        if (MailProblem(request.AdminEmail) is { } mail) return mail;
        var domain = (request.Domain ?? "").Trim().ToLowerInvariant();
        if (!domain.EndsWith(".onmicrosoft.com", StringComparison.Ordinal))
            domain += ".onmicrosoft.com";
        var prefix = domain[..^".onmicrosoft.com".Length];
        if (!TenantPrefix.IsMatch(prefix))
            return Error(400, "InvalidDomain", $"The domain {domain} is not valid: use 1 to 27 lower-case letters, digits or hyphens before .onmicrosoft.com.");
        if (TakenTenants.Contains(domain))
            return Error(409, "DomainAlreadyExists", $"The domain {domain} is already in use by another organization.");
        if (_tenantsByDomain.TryGetValue(domain, out var existing))
            return existing.ExternalReference == request.ExternalReference
                ? new SandboxReply(200, TenantBody(existing))
                : Error(409, "DomainAlreadyExists", $"The domain {domain} is already in use by another organization.");
        var tenant = new SandboxTenant(NewId("tenant"), domain, request.ExternalReference ?? "");
        _tenantsByDomain[domain] = tenant;
        _tenantsById[tenant.Id] = tenant;
        return new SandboxReply(201, TenantBody(tenant));
    }

    public SandboxReply CreateCart(string customerId, PartnerCartRequest request)
    {
        if (!_tenantsById.ContainsKey(customerId))
            return Error(404, "CustomerNotFound", $"No customer {customerId}.");
        if (request.LineItems is not { Count: > 0 })
            return Error(400, "EmptyCart", "A cart needs at least one line item.");
        foreach (var line in request.LineItems)
            if (QuantityProblem(line.CatalogItemId, line.Quantity) is { } problem)
                return problem;
        var cart = new SandboxCart(NewId("cart"), customerId, request.LineItems.Select(l => (l.CatalogItemId!, l.Quantity)).ToList());
        _carts[cart.Id] = cart;
        return new SandboxReply(201, new { id = cart.Id, lineItems = request.LineItems });
    }

    public SandboxReply Checkout(string customerId, string cartId, string idempotencyKey)
    {
        if (!_carts.Remove(cartId, out var cart) || cart.CustomerId != customerId)
            return Error(404, "CartNotFound", $"No open cart {cartId} for customer {customerId}.");
        var now = Now;
        var lines = cart.Lines.Select((l, i) =>
        {
            var subscription = new SandboxSubscription(NewId("sub"), l.OfferId, l.Quantity, now);
            _subscriptions[subscription.Id] = subscription;
            _purchases.Add(new SandboxPurchase(now, "partner", "checkout", idempotencyKey, l.OfferId, l.Quantity, subscription.Id));
            return new SandboxLine(i + 1, l.OfferId, l.Quantity, subscription.Id);
        }).ToList();
        var order = new SandboxOrder(NewId("order"), customerId, now, lines);
        _orders[order.Id] = order;
        return new SandboxReply(201, new { id = order.Id, status = "pending", creationDate = now, lineItems = lines });
    }

    public SandboxReply ProvisioningStatus(string customerId, string orderId)
    {
        lock (_gate)
        {
            if (!_orders.TryGetValue(orderId, out var order) || order.CustomerId != customerId)
                return Error(404, "OrderNotFound", $"No order {orderId} for customer {customerId}.");
            var fulfilled = Now >= order.CreatedAt.AddMilliseconds(options.FulfilmentDelayMs);
            var status = fulfilled ? "fulfilled" : "pending";
            return new SandboxReply(200, new
            {
                orderId = order.Id,
                status,
                lineItems = order.Lines.Select(l => new { l.LineItemNumber, l.SubscriptionId, status }),
            });
        }
    }

    /// <summary>
    /// A change to a subscription (Partner Center PATCH takes the whole resource, offer id included).
    /// A subscription the sandbox does not know (sold before it last started, since it keeps its state in
    /// memory) is adopted as it is described, bought long ago; a decrease of it cannot be told from an increase.
    /// </summary>
    public SandboxReply UpdateSubscription(string api, string subscriptionId, SubscriptionUpdate update, string idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(update.OfferId) || !Catalog.TryGetValue(update.OfferId, out var offer))
            return Error(400, "UnknownOffer", $"The offer {update.OfferId} is not sold by this vendor.");
        if (!_subscriptions.TryGetValue(subscriptionId, out var subscription))
            _subscriptions[subscriptionId] = subscription = new SandboxSubscription(subscriptionId, offer.Id, update.Quantity ?? 1, DateTime.MinValue);

        if (subscription.Cancelled)
            return Error(409, "SubscriptionCancelled", $"{offer.Name}: the subscription was cancelled; it can no longer be changed.");
        // The renewals due by now first: a change at the renewal falls in the window the renewal opened.
        subscription.RenewUntil(offer.TermMonths, Now);
        // The platform's own rule and figures (the offer's window, CancellationPolicy), so both refuse the same decreases and cancels.
        var hours = offer.CancellationWindowHours;
        if (update.Cancelled == true && CancellationPolicy.CancelRefusal(hours, subscription.TermStartedAt, Now) is { } late)
            return Error(409, "CancellationWindowExpired", $"{offer.Name}: {late}");
        if (update.Quantity is { } quantity)
        {
            if (QuantityProblem(offer.Id, quantity) is { } problem) return problem;
            if (quantity < subscription.Quantity &&
                CancellationPolicy.DecreaseRefusal(hours, subscription.TermStartedAt, subscription.Increases, subscription.Quantity, quantity, Now) is { } refusal)
                return Error(409, "CancellationWindowExpired", $"{offer.Name}: {refusal}");
        }
        if (update.Suspended == true && !offer.CanSuspend)
            return Error(409, "SuspensionNotSupported", $"{offer.Name} cannot be suspended.");

        if (update.Quantity is { } q)
        {
            // An increase opens a window of its own for the licences it added.
            subscription.Increases = CancellationPolicy.StillOpen(hours, subscription.Increases, Now).ToList();
            if (q > subscription.Quantity && hours is not null)
                subscription.Increases.Add(new IncreaseWindow(Now, subscription.Quantity));
            subscription.Quantity = q;
        }
        if (update.Cancelled == true) subscription.Cancelled = true;
        if (update.Suspended is { } s) subscription.Suspended = s;
        if (update.AutoRenew is { } a) subscription.AutoRenew = a;
        _purchases.Add(new SandboxPurchase(Now, api, "update", idempotencyKey, offer.Id, subscription.Quantity, subscription.Id));
        return new SandboxReply(200, SubscriptionBody(subscription));
    }

    // ---- generic vendor ---------------------------------------------------------------

    public SandboxReply CreateGenericSubscription(GenericSubscriptionRequest request, string idempotencyKey)
    {
        if (MailProblem(request.AdminEmail) is { } mail) return mail;
        var lines = new List<(string OfferId, int Quantity)> { (request.OfferId ?? "", request.Quantity) };
        lines.AddRange((request.Addons ?? []).Select(a => (a.OfferId ?? "", a.Quantity)));
        foreach (var (offerId, quantity) in lines)
            if (QuantityProblem(offerId, quantity) is { } problem)
                return problem;
        var now = Now;
        var created = lines.Select(l =>
        {
            var subscription = new SandboxSubscription(NewId("sub"), l.OfferId, l.Quantity, now);
            _subscriptions[subscription.Id] = subscription;
            _purchases.Add(new SandboxPurchase(now, "generic", "create", idempotencyKey, l.OfferId, l.Quantity, subscription.Id));
            return subscription;
        }).ToList();
        return new SandboxReply(201, SubscriptionBody(created[0]) with { Addons = created.Skip(1).Select(SubscriptionBody).ToList() });
    }

    // ---- rules --------------------------------------------------------------------------

    private static SandboxReply? MailProblem(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || !MailAddress.TryCreate(email.Trim(), out var address))
            return Error(400, "InvalidAdminEmail", $"The admin e-mail '{email}' is not a valid address.");
        if (UnreachableMailDomains.Contains(address.Host, StringComparer.OrdinalIgnoreCase) ||
            address.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase))
            return Error(400, "AdminEmailUnreachable", $"Mail to {address.Address} cannot be delivered; the admin could not be invited.");
        return null;
    }

    private static SandboxReply? QuantityProblem(string? offerId, int quantity)
    {
        if (offerId is null || !Catalog.TryGetValue(offerId, out var offer))
            return Error(400, "UnknownOffer", $"The offer {offerId} is not sold by this vendor.");
        if (quantity < 1)
            return Error(400, "InvalidQuantity", $"The quantity of {offer.Name} must be at least 1.");
        if (quantity > offer.MaxQuantity)
            return Error(400, "QuantityAboveLimit", $"{offer.Name} allows at most {offer.MaxQuantity} licences per subscription.");
        return null;
    }

    public static SandboxReply Error(int status, string code, string message) =>
        new(status, new SandboxError(code, message));

    private string NewId(string kind) => $"{kind}-{Interlocked.Increment(ref _sequence):D6}-{Guid.NewGuid().ToString("N")[..8]}";

    private static object TenantBody(SandboxTenant t) => new { id = t.Id, companyProfile = new { domain = t.Domain }, externalReference = t.ExternalReference };

    private static SubscriptionBody SubscriptionBody(SandboxSubscription s) =>
        new(s.Id, s.OfferId, s.Quantity, s.Cancelled ? "cancelled" : s.Suspended ? "suspended" : "active", s.AutoRenew, null);
}

public sealed record SandboxError(string Code, string Description);

public sealed record SubscriptionBody(string Id, string OfferId, int Quantity, string Status, bool AutoRenewEnabled, IReadOnlyList<SubscriptionBody>? Addons);

public sealed record PartnerCustomerRequest(string? Domain, string? CompanyName, string? ExternalReference, string? AdminEmail,
    string? AdminFirstName, string? AdminLastName);

public sealed record PartnerCartLine(int Id, string? CatalogItemId, int Quantity, string? BillingCycle);

public sealed record PartnerCartRequest(IReadOnlyList<PartnerCartLine>? LineItems);

/// <summary>A change to a subscription; null fields stay as they are. <c>cancelled: true</c> ends it (within its cancellation window).</summary>
public sealed record SubscriptionUpdate(string? OfferId, int? Quantity, bool? Suspended, bool? AutoRenew, bool? Cancelled = null);

public sealed record GenericAddon(string? OfferId, int Quantity);

public sealed record GenericSubscriptionRequest(string? OfferId, int Quantity, string? BillingCycle, string? CustomerReference,
    string? CustomerName, string? AdminEmail, IReadOnlyList<GenericAddon>? Addons);

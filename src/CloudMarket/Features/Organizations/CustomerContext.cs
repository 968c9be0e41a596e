using System.Reflection;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Organizations;

/// <summary>
/// Customer View: the one customer organization a request works on, its seller (whose prices and
/// terms apply), and the real user doing it. Resolved once per request and passed down.
/// Seller- and distributor-level users reach it by acting on behalf; customer users are in it.
/// </summary>
public sealed record CustomerContext(Actor Actor, Organization Customer, Organization Seller) : IEndpointParameterMetadataProvider
{
    public const string OnBehalfOfHeader = "X-On-Behalf-Of";

    public Guid CustomerId => Customer.Id;
    public bool IsActingOnBehalf => Actor.OrganizationId != Customer.Id;

    /// <summary>
    /// This context with another customer id, the customer otherwise as it is: the stand-in a compiled query's expression is
    /// built from (<c>StandInReplacer</c>), never a context a request runs with.
    /// </summary>
    internal CustomerContext WithStandInCustomer(Guid standIn) =>
        this with { Customer = new Organization(standIn, Customer.Name, Customer.Type, Customer.ParentId, Customer.Country) };

    /// <summary>Every endpoint taking a CustomerContext reads <c>X-On-Behalf-Of</c>: its OpenAPI operation says so.</summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new OpenApiSetup.CustomerScopedMetadata());

    /// <summary>Minimal API binding: customer-scoped handlers take a <see cref="CustomerContext"/> parameter.</summary>
    public static async ValueTask<CustomerContext?> BindAsync(HttpContext http)
    {
        var actor = Actor.FromPrincipal(http.User) ?? throw new UnauthorizedAccessException();
        if (!TryReadRequestedCustomer(http, out var requested))
            throw RequestValidationException.For(OnBehalfOfHeader, "Must be the id of a customer organization.");
        // Read by this request's session check already (one round trip for both), else now.
        var context = http.Items.TryGetValue(PrefetchKey, out var value) && value is Prefetch p && p.UserId == actor.UserId
                      && p.CustomerId == Entitlements.DefaultCustomer(actor, requested)
            ? Entitlements.ToContext(actor, p.Found)
            : await Entitlements.ResolveCustomerAsync(http.RequestServices.GetRequiredService<AppDbContext>(), actor, requested, http.RequestAborted);
        if (context.IsActingOnBehalf)
        {
            // Every act-on-behalf request is recorded with the real user: changes at Information, reads
            // at Debug (a line per read at Information cost ~11 % of list throughput, docs/performance.md).
            var level = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) ? LogLevel.Debug : LogLevel.Information;
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CloudMarket.ActOnBehalf");
            if (logger.IsEnabled(level))
                logger.Log(level, "User {UserId} ({OrganizationId}) acts on behalf of customer {CustomerId}: {Method} {Path}",
                    actor.UserId, actor.OrganizationId, context.CustomerId, http.Request.Method, http.Request.Path.Value);
        }
        return context;
    }

    private static readonly object PrefetchKey = new();

    /// <summary>What the session check read of the customer for <see cref="BindAsync"/>: <paramref name="Found"/> null when the actor may not act for it.</summary>
    private sealed record Prefetch(Guid UserId, Guid CustomerId, CustomerAndSeller? Found);

    /// <summary>
    /// The customer a request to a customer-scoped endpoint will bind, known before the endpoint runs (the
    /// endpoint is routed before authentication): the session check then reads it in its own statement. Null
    /// when the endpoint takes no customer, or the header is missing or malformed (<see cref="BindAsync"/>
    /// answers that as before).
    /// </summary>
    internal static (Actor Actor, Guid CustomerId)? CustomerToPrefetch(HttpContext http, System.Security.Claims.ClaimsPrincipal principal)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<OpenApiSetup.CustomerScopedMetadata>() is null) return null;
        if (Actor.FromPrincipal(principal) is not { } actor || !TryReadRequestedCustomer(http, out var requested)) return null;
        return Entitlements.DefaultCustomer(actor, requested) is { } customerId ? (actor, customerId) : null;
    }

    /// <summary>
    /// The customer <c>X-On-Behalf-Of</c> names (<paramref name="requested"/> null without the header); false when the
    /// header is there but not an id.
    /// </summary>
    private static bool TryReadRequestedCustomer(HttpContext http, out Guid? requested)
    {
        requested = null;
        if (!http.Request.Headers.TryGetValue(OnBehalfOfHeader, out var header)) return true;
        if (!Guid.TryParse(header.ToString(), out var id)) return false;
        requested = id;
        return true;
    }

    /// <summary>Keeps the session check's read of the customer for this request's <see cref="BindAsync"/> (never beyond the request).</summary>
    internal static void RememberPrefetched(HttpContext http, Guid userId, Guid customerId, CustomerAndSeller? found) =>
        http.Items[PrefetchKey] = new Prefetch(userId, customerId, found);
}

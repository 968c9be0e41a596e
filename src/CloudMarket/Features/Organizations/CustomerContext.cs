using System.Reflection;
using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Organizations;

/// <summary>
/// Customer View: the one customer organization a request works on, and the real user doing it.
/// Seller- and distributor-level users reach it by acting on behalf; customer users are in it.
/// </summary>
public sealed record CustomerContext(Actor Actor, Organization Customer) : IEndpointParameterMetadataProvider
{
    public const string OnBehalfOfHeader = "X-On-Behalf-Of";

    public Guid CustomerId => Customer.Id;
    public bool IsActingOnBehalf => Actor.OrganizationId != Customer.Id;

    /// <summary>Every endpoint taking a CustomerContext reads <c>X-On-Behalf-Of</c>: its OpenAPI operation says so.</summary>
    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new OpenApiSetup.CustomerScopedMetadata());

    /// <summary>Minimal API binding: customer-scoped handlers take a <see cref="CustomerContext"/> parameter.</summary>
    public static async ValueTask<CustomerContext?> BindAsync(HttpContext http)
    {
        var actor = Actor.FromPrincipal(http.User) ?? throw new UnauthorizedAccessException();
        Guid? requested = null;
        if (http.Request.Headers.TryGetValue(OnBehalfOfHeader, out var header))
        {
            if (!Guid.TryParse(header.ToString(), out var id))
                throw RequestValidationException.For(OnBehalfOfHeader, "Must be the id of a customer organization.");
            requested = id;
        }
        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        var context = await Entitlements.ResolveCustomerAsync(db, actor, requested, http.RequestAborted);
        if (context.IsActingOnBehalf)
        {
            // Every act-on-behalf request is recorded with the real user.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CloudMarket.ActOnBehalf")
                .LogInformation("User {UserId} ({OrganizationId}) acts on behalf of customer {CustomerId}: {Method} {Path}",
                    actor.UserId, actor.OrganizationId, context.CustomerId, http.Request.Method, http.Request.Path.Value);
        }
        return context;
    }
}

/// <summary>Who may act for which customer: the one rule, used by the API and the pages.</summary>
public static class Entitlements
{
    /// <summary>The customers an actor may act on behalf of (for a customer user: its own organization).</summary>
    public static IQueryable<Organization> CustomersVisibleTo(AppDbContext db, Actor actor) => actor.OrganizationType switch
    {
        OrganizationType.Distributor => db.Organizations.Where(c => c.Type == OrganizationType.Customer &&
            db.Organizations.Any(s => s.Id == c.ParentId && s.ParentId == actor.OrganizationId)),
        OrganizationType.Seller => db.Organizations.Where(c => c.Type == OrganizationType.Customer && c.ParentId == actor.OrganizationId),
        _ => db.Organizations.Where(c => c.Type == OrganizationType.Customer && c.Id == actor.OrganizationId),
    };

    public static async Task<CustomerContext> ResolveCustomerAsync(AppDbContext db, Actor actor, Guid? requestedCustomerId, CancellationToken ct)
    {
        if (requestedCustomerId is null)
        {
            if (actor.OrganizationType != OrganizationType.Customer)
                throw RequestValidationException.For(CustomerContext.OnBehalfOfHeader,
                    "Seller- and distributor-level users must name the customer they act for in the X-On-Behalf-Of header.");
            requestedCustomerId = actor.OrganizationId;
        }
        var customer = await CustomersVisibleTo(db, actor).AsNoTracking()
            .SingleOrDefaultAsync(c => c.Id == requestedCustomerId, ct);
        return customer is null
            ? throw new NotFoundException("The customer organization")
            : new CustomerContext(actor, customer);
    }
}

using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Organizations;

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
        var customerId = DefaultCustomer(actor, requestedCustomerId)
            ?? throw RequestValidationException.For(CustomerContext.OnBehalfOfHeader,
                "Seller- and distributor-level users must name the customer they act for in the X-On-Behalf-Of header.");
        return ToContext(actor, await CustomerAndSellerQuery(db, actor, customerId).SingleOrDefaultAsync(ct));
    }

    /// <summary>The customer a request works on: the one named, else a customer user's own; null when a seller or distributor named none.</summary>
    public static Guid? DefaultCustomer(Actor actor, Guid? requestedCustomerId) =>
        requestedCustomerId ?? (actor.OrganizationType == OrganizationType.Customer ? actor.OrganizationId : null);

    /// <summary>
    /// The customer, if the actor may act for it, and its seller in one query: every customer-scoped request
    /// needs both. Also run inside the session check's statement (<see cref="Sessions.IsCurrentAsync"/>), so a
    /// customer-scoped API request reads user, customer and seller in one round trip.
    /// </summary>
    internal static IQueryable<CustomerAndSeller> CustomerAndSellerQuery(AppDbContext db, Actor actor, Guid customerId) =>
        from customer in CustomersVisibleTo(db, actor).AsNoTracking()
        join seller in db.Organizations.AsNoTracking() on customer.ParentId equals (Guid?)seller.Id
        where customer.Id == customerId
        select new CustomerAndSeller { Customer = customer, Seller = seller };

    /// <summary>The context of <see cref="CustomerAndSellerQuery"/>'s answer: 404 when there is none (not the actor's to see).</summary>
    internal static CustomerContext ToContext(Actor actor, CustomerAndSeller? found) =>
        // Outer-joined to the session's row (Sessions.IsCurrentAsync), "none" is a row of nulls rather than no row.
        found is { Customer: { } customer, Seller: { } seller }
            ? new CustomerContext(actor, customer, seller)
            : throw new NotFoundException("The customer organization");
}

/// <summary>A row of <see cref="Entitlements.CustomerAndSellerQuery"/> (settable members, so a query can select from it again).</summary>
internal sealed class CustomerAndSeller
{
    public required Organization Customer { get; init; }
    public required Organization Seller { get; init; }
}

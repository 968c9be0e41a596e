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
        if (requestedCustomerId is null)
        {
            if (actor.OrganizationType != OrganizationType.Customer)
                throw RequestValidationException.For(CustomerContext.OnBehalfOfHeader,
                    "Seller- and distributor-level users must name the customer they act for in the X-On-Behalf-Of header.");
            requestedCustomerId = actor.OrganizationId;
        }
        // The customer and its seller in one query: every customer-scoped request needs both.
        var found = await (
                from customer in CustomersVisibleTo(db, actor).AsNoTracking()
                join seller in db.Organizations.AsNoTracking() on customer.ParentId equals (Guid?)seller.Id
                where customer.Id == requestedCustomerId
                select new { customer, seller })
            .SingleOrDefaultAsync(ct);
        return found is null
            ? throw new NotFoundException("The customer organization")
            : new CustomerContext(actor, found.customer, found.seller);
    }
}

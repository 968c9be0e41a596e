using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Organizations;

/// <summary>Who may act for which customer: the one rule, used by the API and the pages.</summary>
public static class Entitlements
{
    /// <summary>The customers an actor may act on behalf of (for a customer user: its own organization).</summary>
    public static IQueryable<Organization> CustomersVisibleTo(AppDbContext db, Actor actor) =>
        VisibleToDelegates[(int)actor.OrganizationType](db.Organizations, actor.OrganizationId);

    /// <summary>
    /// The rule itself, per kind of actor: (all organizations, the actor's organization) → the customers it may act for.
    /// An expression, so the compiled queries (<see cref="CustomerAndSellerRule"/>) contain it; the queries built at
    /// run time call it as a delegate (its parameters become the query's parameters, as a captured variable would).
    /// </summary>
    private static Expression<Func<IQueryable<Organization>, Guid, IQueryable<Organization>>> VisibleToRule(OrganizationType type) => type switch
    {
        OrganizationType.Distributor => (organizations, actorOrganizationId) => organizations.Where(c => c.Type == OrganizationType.Customer &&
            organizations.Any(s => s.Id == c.ParentId && s.ParentId == actorOrganizationId)),
        OrganizationType.Seller => (organizations, actorOrganizationId) =>
            organizations.Where(c => c.Type == OrganizationType.Customer && c.ParentId == actorOrganizationId),
        _ => (organizations, actorOrganizationId) =>
            organizations.Where(c => c.Type == OrganizationType.Customer && c.Id == actorOrganizationId),
    };

    private static readonly Func<IQueryable<Organization>, Guid, IQueryable<Organization>>[] VisibleToDelegates =
        Enum.GetValues<OrganizationType>().Select(t => VisibleToRule(t).Compile()).ToArray();

    /// <summary>Placeholder for <see cref="VisibleToRule"/> in an expression (Splice.Rule).</summary>
    private static IQueryable<Organization> VisibleTo(IQueryable<Organization> organizations, Guid actorOrganizationId) => throw Splice.NotSpliced();

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
        CustomerAndSellerDelegates[(int)actor.OrganizationType](db.Organizations, actor.OrganizationId, customerId);

    /// <summary>
    /// <see cref="CustomerAndSellerQuery"/> as an expression per kind of actor (organizations, actor's organization,
    /// customer), for the session check's compiled query; <see cref="VisibleToRule"/> written into it.
    /// </summary>
    internal static Expression<Func<IQueryable<Organization>, Guid, Guid, IQueryable<CustomerAndSeller>>> CustomerAndSellerRule(OrganizationType type) =>
        Splice.Rule<Func<IQueryable<Organization>, Guid, Guid, IQueryable<CustomerAndSeller>>>(
            (organizations, actorOrganizationId, customerId) =>
                from customer in VisibleTo(organizations, actorOrganizationId).AsNoTracking()
                join seller in organizations.AsNoTracking() on customer.ParentId equals (Guid?)seller.Id
                where customer.Id == customerId
                select new CustomerAndSeller { Customer = customer, Seller = seller },
            VisibleToMethod, VisibleToRule(type));

    // Before the arrays below: static fields are initialized in the order written.
    private static readonly MethodInfo VisibleToMethod = typeof(Entitlements).GetMethod(nameof(VisibleTo), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly Func<IQueryable<Organization>, Guid, Guid, IQueryable<CustomerAndSeller>>[] CustomerAndSellerDelegates =
        Enum.GetValues<OrganizationType>().Select(t => CustomerAndSellerRule(t).Compile()).ToArray();

    /// <summary>Placeholder for <see cref="CustomerAndSellerRule"/> in an expression (Splice.Rule).</summary>
    internal static IQueryable<CustomerAndSeller> CustomerAndSeller(IQueryable<Organization> organizations, Guid actorOrganizationId, Guid customerId) =>
        throw Splice.NotSpliced();

    internal static readonly MethodInfo CustomerAndSellerMethod =
        typeof(Entitlements).GetMethod(nameof(CustomerAndSeller), BindingFlags.NonPublic | BindingFlags.Static)!;

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

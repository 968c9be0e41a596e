using CloudMarket.Data;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Workspace;

/// <summary>One customer on the Select organization page, with what a seller wants to know before opening it.</summary>
public sealed record CustomerOverviewRow(
    Guid Id, string Name, string Country, Guid SellerId, string SellerName,
    int OpenOrders, int FailedOrders, int Subscriptions, DateTime? NextRenewal);

public sealed record CustomerOverviewPage(IReadOnlyList<CustomerOverviewRow> Rows, int Total, int Page, int PageCount);

/// <summary>The filters of the customer list: a name search and, for a distributor, one of its sellers.</summary>
public sealed record CustomerOverviewFilter(string? Search = null, Guid? SellerId = null, int Page = 1)
{
    public const int MaxSearchLength = 200;

    /// <summary>The query string as the page's form sends it; what cannot be read is left out rather than refused (a page, not the API).</summary>
    public static CustomerOverviewFilter Parse(string? q, string? seller, string? page) => new(
        string.IsNullOrWhiteSpace(q) || q.Length > MaxSearchLength ? null : q.Trim(),
        Guid.TryParse(seller, out var s) ? s : null,
        int.TryParse(page, out var p) && p >= 1 ? p : 1);
}

/// <summary>
/// The customer list of seller- and distributor-level users: a page of the customers they may act for (by
/// name), then the counts of just those customers, aggregated in SQL over the indexes of orders
/// (customer, status) and subscriptions (customer): three queries a page, whatever the number of orders.
/// </summary>
public static class CustomerOverview
{
    public const int PageSize = 25;

    /// <summary>Placed and not settled: with the worker, or waiting for a retry or a close (counted apart as failed).</summary>
    private static readonly OrderStatus[] Open = Enum.GetValues<OrderStatus>().Where(OrderLifecycle.IsInFlight).ToArray();

    public static async Task<CustomerOverviewPage> PageAsync(AppDbContext db, Actor actor, CustomerOverviewFilter filter, CancellationToken ct)
    {
        var customers = Entitlements.CustomersVisibleTo(db, actor).AsNoTracking();
        if (filter.Search is { } search)
        {
            var term = search.ToLower();
            customers = customers.Where(c => c.Name.ToLower().Contains(term));
        }
        if (filter.SellerId is { } seller)
            customers = customers.Where(c => c.ParentId == seller);

        var total = await customers.CountAsync(ct);
        var pageCount = Math.Max(1, (total + PageSize - 1) / PageSize);
        var page = Math.Min(filter.Page, pageCount);
        var rows = await (
                from c in customers
                join s in db.Organizations.AsNoTracking() on c.ParentId equals (Guid?)s.Id
                orderby c.Name, c.Id
                select new { c.Id, c.Name, c.Country, SellerId = s.Id, SellerName = s.Name })
            .Skip((page - 1) * PageSize).Take(PageSize)
            .ToListAsync(ct);
        if (rows.Count == 0) return new CustomerOverviewPage([], total, page, pageCount);

        var ids = rows.Select(r => r.Id).ToList();
        var orders = await db.Orders.AsNoTracking().VisibleAcrossCustomers(db, actor)
            .Where(o => ids.Contains(o.CustomerId) && (Open.Contains(o.Status) || o.Status == OrderStatus.ProvisioningFailed))
            .GroupBy(o => o.CustomerId)
            .Select(g => new { CustomerId = g.Key, Failed = g.Count(o => o.Status == OrderStatus.ProvisioningFailed), All = g.Count() })
            .ToDictionaryAsync(g => g.CustomerId, ct);
        var subscriptions = await db.Subscriptions.AsNoTracking()
            .Where(s => ids.Contains(s.CustomerId) && (s.Status == SubscriptionStatus.Active || s.Status == SubscriptionStatus.Suspended))
            .GroupBy(s => s.CustomerId)
            .Select(g => new
            {
                CustomerId = g.Key,
                Count = g.Count(),
                // The next renewal: of the active subscriptions that renew by themselves (the others end then).
                NextRenewal = g.Where(s => s.Status == SubscriptionStatus.Active && s.AutoRenew).Min(s => (DateTime?)s.RenewalDate),
            })
            .ToDictionaryAsync(g => g.CustomerId, ct);

        return new CustomerOverviewPage(rows.Select(r =>
        {
            var o = orders.GetValueOrDefault(r.Id);
            var s = subscriptions.GetValueOrDefault(r.Id);
            return new CustomerOverviewRow(r.Id, r.Name, r.Country, r.SellerId, r.SellerName,
                (o?.All ?? 0) - (o?.Failed ?? 0), o?.Failed ?? 0, s?.Count ?? 0,
                s?.NextRenewal is { } next ? DateTime.SpecifyKind(next, DateTimeKind.Utc) : null);
        }).ToList(), total, page, pageCount);
    }

    /// <summary>The sellers a distributor may filter by (its own); none for a seller, whose customers are all its own.</summary>
    public static async Task<List<(Guid Id, string Name)>> SellersAsync(AppDbContext db, Actor actor, CancellationToken ct)
    {
        if (actor.OrganizationType != OrganizationType.Distributor) return [];
        var sellers = await db.Organizations.AsNoTracking()
            .Where(o => o.Type == OrganizationType.Seller && o.ParentId == actor.OrganizationId)
            .OrderBy(o => o.Name).Select(o => new { o.Id, o.Name }).ToListAsync(ct);
        return sellers.Select(s => (s.Id, s.Name)).ToList();
    }
}

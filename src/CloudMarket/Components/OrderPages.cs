using System.Globalization;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Components;

/// <summary>
/// What the order pages show and share: status names and colours, the cart of the signed-in user,
/// and "add this change to my cart". The rules themselves stay in <see cref="OrderCommands"/>,
/// <see cref="OrderQueries"/> and <see cref="OrderVisibility"/>.
/// </summary>
public static class OrderPages
{
    public static string Label(OrderStatus status) => status switch
    {
        OrderStatus.Started => "Started",
        OrderStatus.Deleted => "Deleted",
        OrderStatus.Draft => "Draft",
        OrderStatus.InProgress => "In progress",
        OrderStatus.ProvisioningStarted => "Provisioning started",
        OrderStatus.ProvisioningFinished => "Provisioning finished",
        OrderStatus.ProvisioningFailed => "Provisioning failed",
        OrderStatus.Completed => "Completed",
        OrderStatus.CompletedWithErrors => "Completed with errors",
        OrderStatus.Failed => "Failed",
        _ => status.ToString(),
    };

    /// <summary>Colours that read at a glance: blue is moving, green done, amber partly, red needs attention, grey inert.</summary>
    public static string BadgeClass(OrderStatus status) => status switch
    {
        OrderStatus.Started => "text-bg-info",
        OrderStatus.Draft => "text-bg-light border",
        OrderStatus.Deleted => "text-bg-secondary",
        OrderStatus.InProgress or OrderStatus.ProvisioningStarted or OrderStatus.ProvisioningFinished => "text-bg-primary",
        OrderStatus.ProvisioningFailed => "text-bg-danger",
        OrderStatus.Completed => "text-bg-success",
        OrderStatus.CompletedWithErrors => "text-bg-warning",
        OrderStatus.Failed => "text-bg-dark",
        _ => "text-bg-secondary",
    };

    public static string Label(ItemProvisioningStatus status) => status switch
    {
        ItemProvisioningStatus.Pending => "Pending",
        ItemProvisioningStatus.ProvisioningStarted => "Sent to vendor",
        ItemProvisioningStatus.ProvisioningFinished => "Provisioned",
        ItemProvisioningStatus.ProvisioningFailed => "Rejected",
        _ => status.ToString(),
    };

    public static string BadgeClass(ItemProvisioningStatus status) => status switch
    {
        ItemProvisioningStatus.Pending => "text-bg-light border",
        ItemProvisioningStatus.ProvisioningStarted => "text-bg-primary",
        ItemProvisioningStatus.ProvisioningFinished => "text-bg-success",
        ItemProvisioningStatus.ProvisioningFailed => "text-bg-danger",
        _ => "text-bg-secondary",
    };

    public static string Label(OrderItemKind kind) => kind switch
    {
        OrderItemKind.NewSubscription => "New subscription",
        OrderItemKind.IncreaseQuantity => "Increase licences",
        OrderItemKind.DecreaseQuantity => "Decrease licences",
        OrderItemKind.Suspend => "Suspend",
        OrderItemKind.Reactivate => "Reactivate",
        OrderItemKind.ChangeAutoRenew => "Auto-renewal",
        OrderItemKind.ChangeMarkup => "Markup change",
        _ => kind.ToString(),
    };

    /// <summary>The API value of an enum (camelCase), used in query strings and data-* attributes.</summary>
    public static string ApiName<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    public static string Date(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>"138.60 EUR per month and 285.10 EUR per year": an order's totals in a sentence, one per billing cycle.</summary>
    public static string TotalsInWords(IReadOnlyList<CycleTotalsDto> totals) =>
        totals.Count == 0 ? "nothing" : string.Join(" and ", totals.Select(t => $"{t.PeriodTotal} per {Pricing.PeriodName(t.BillingCycle)}"));

    public static string Percent(decimal? p) => p is null ? "" : p.Value.ToString("0.##", CultureInfo.InvariantCulture) + " %";

    /// <summary>The signed-in user's cart in this Customer View: their newest order still in <c>started</c>.</summary>
    public static Task<long?> CurrentCartIdAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        CurrentCartId(db, ctx).FirstOrDefaultAsync(ct);

    /// <summary>How many items of the user's cart they can see (shown next to "Cart" in the navigation); 0 without a cart. One query.</summary>
    public static Task<int> CartItemCountAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.OrderItems.AsNoTracking().Where(OrderVisibility.VisibleItem(ctx))
            .Where(i => i.OrderId == CurrentCartId(db, ctx).FirstOrDefault())
            .CountAsync(ct);

    private static IQueryable<long?> CurrentCartId(AppDbContext db, CustomerContext ctx) =>
        db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Where(o => o.Status == OrderStatus.Started && o.CreatedByUserId == ctx.Actor.UserId)
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Select(o => (long?)o.Id);

    /// <summary>
    /// Adds one requested change to the user's cart, opening a cart (a new order in <c>started</c>)
    /// when there is none. Field errors come back under the item's own field names.
    /// </summary>
    public static async Task<OrderDetailDto> AddToCartAsync(AppDbContext db, CustomerContext ctx, TimeProvider clock, OrderOptions limits,
        OrderItemRequest item, CancellationToken ct)
    {
        var cartId = await CurrentCartIdAsync(db, ctx, ct);
        if (cartId is { } id)
            return await OrderCommands.AddItemAsync(db, ctx, clock, limits, id, item, ifMatch: null, ct);
        try
        {
            return await OrderCommands.CreateAsync(db, ctx, clock, limits, new CreateOrderRequest(null, [item]), ct);
        }
        catch (RequestValidationException e)
        {
            const string prefix = "items[0].";
            throw new RequestValidationException(
                e.Errors.ToDictionary(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) ? kv.Key[prefix.Length..] : kv.Key, kv => kv.Value),
                e.Message);
        }
    }

    /// <summary>Who created the customer's visible orders, for the "created by" filter.</summary>
    public static async Task<List<(Guid UserId, string Name, string OrganizationName)>> CreatorsAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct)
    {
        var rows = await db.Orders.AsNoTracking().VisibleOrders(ctx)
            .Select(o => new { o.CreatedByUserId, o.CreatedByName, o.CreatedByOrganizationName })
            .Distinct()
            .Take(500)
            .ToListAsync(ct);
        return rows.GroupBy(r => r.CreatedByUserId)
            .Select(g => (g.Key, g.First().CreatedByName, g.First().CreatedByOrganizationName))
            .OrderBy(r => r.Item2, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>The seller of the customer in view, whose terms a purchase accepts.</summary>
    public static Task<string> SellerNameAsync(AppDbContext db, CustomerContext ctx, CancellationToken ct) =>
        db.Organizations.AsNoTracking().Where(o => o.Id == ctx.Customer.ParentId).Select(o => o.Name).SingleAsync(ct);

    // ---- form values: the pages read every field as text and report a bad one next to it ----------

    public static int? ParseInt(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
        throw RequestValidationException.For(field, "Must be a whole number.");
    }

    public static decimal? ParseDecimal(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (decimal.TryParse(value.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d)) return d;
        throw RequestValidationException.For(field, "Must be a number, e.g. 15 or 12.5.");
    }

    public static Features.Catalog.BillingCycle? ParseCycle(string? value) =>
        Enum.TryParse<Features.Catalog.BillingCycle>(value, ignoreCase: true, out var c) && Enum.IsDefined(c) ? c : null;

    /// <summary>A local URL to come back to after a form, or the fallback (never another site).</summary>
    public static string LocalOr(string? url, string fallback) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//") && !url.StartsWith("/\\") ? url : fallback;
}

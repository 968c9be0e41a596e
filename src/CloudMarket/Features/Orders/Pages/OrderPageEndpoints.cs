using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Features.Orders.Pages;

/// <summary>
/// The two non-HTML answers of the Orders pages, on the sign-in cookie and the Customer View
/// cookie (the API's twins take a bearer token and X-On-Behalf-Of): the export of a list (CSV or xlsx) and
/// the live status that wwwroot/js/app.js polls while an order is being provisioned.
/// </summary>
public static class OrderPageEndpoints
{
    public const int MaxLiveOrders = 100;

    /// <summary>
    /// The pages stop polling a region after this long without a change (an order stuck at a vendor
    /// would otherwise be polled for days); they say so and offer a refresh. Rendered as
    /// <c>data-live-idle-ms</c>, which the script reads.
    /// </summary>
    public static readonly TimeSpan LiveIdleLimit = TimeSpan.FromMinutes(2);

    public static string LiveIdleMs => ((long)LiveIdleLimit.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static void MapOrderPages(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/orders").RequireAuthorization().ExcludeFromDescription();
        orders.MapGet("/export", Export);
        orders.MapGet("/live", Live);
    }

    /// <summary>The list's filters as the page's form sends them (an empty field means "any"), every page of it as CSV or xlsx.</summary>
    private static async Task Export(HttpContext http, AppDbContext db, ReadDb reads, CancellationToken ct,
        string? view = null, string? state = null, string? status = null, string? createdBy = null,
        string? from = null, string? to = null, string? q = null, string? sort = null, string? format = null)
    {
        var ctx = await CustomerView.ResolveAsync(http, db);
        if (ctx is null)
        {
            http.Response.Redirect("/select-organization");
            return;
        }
        var filter = OrderListFilter.Parse(Blank(view), Blank(state), Blank(status), Blank(createdBy), Blank(from), Blank(to), Blank(q), Blank(sort));
        await OrderExport.WriteAsync(http.Response, await reads.ContextAsync(ct), ctx, filter, OrderExport.ParseFormat(Blank(format)), ct);
    }

    private static async Task<IResult> Live(HttpContext http, AppDbContext db, CancellationToken ct, string? ids = null)
    {
        var ctx = await CustomerView.ResolveAsync(http, db);
        if (ctx is null) return Results.NotFound();
        var wanted = ParseIds(ids);
        if (wanted is null)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = [$"Up to {MaxLiveOrders} order ids, separated by commas."] });
        http.Response.Headers.CacheControl = "no-store";
        return Results.Json(await OrderLiveStatus.QueryAsync(db, ctx, wanted, ct));
    }

    private static List<long>? ParseIds(string? ids)
    {
        if (string.IsNullOrWhiteSpace(ids)) return [];
        var parts = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > MaxLiveOrders) return null;
        var result = new List<long>();
        foreach (var p in parts)
        {
            if (!long.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) return null;
            result.Add(id);
        }
        return result.Distinct().ToList();
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

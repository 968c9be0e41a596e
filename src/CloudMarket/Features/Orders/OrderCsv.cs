using System.Globalization;
using System.Text;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>The CSV export of a list: the same rows, and so the same visibility, as the list itself.</summary>
public static class OrderCsv
{
    /// <summary>One total column per billing cycle ("Total per month", "Total per year"): amounts of different cycles are never added up.</summary>
    private static readonly BillingCycle[] Cycles = Enum.GetValues<BillingCycle>();

    public static readonly string[] Header =
    [
        "Order ID", "Name", "Items", "Requested changes", "Created by", "Created by organization", "Date", "Status",
        .. Cycles.Select(c => $"Total per {Pricing.PeriodName(c)}"), "Currency", "Note",
    ];

    /// <summary>The export as an HTTP download; the API and the Orders page answer with this same body.</summary>
    public static async Task WriteExportAsync(HttpResponse response, AppDbContext db, CustomerContext ctx, OrderListFilter filter, CancellationToken ct)
    {
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"orders-{filter.View.ToString().ToLowerInvariant()}.csv\"";
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false));
        await WriteAsync(writer, OrderQueries.ExportAsync(db, ctx, filter, ct), ct);
    }

    public static async Task WriteAsync(TextWriter writer, IAsyncEnumerable<OrderSummaryDto> rows, CancellationToken ct)
    {
        await writer.WriteLineAsync(string.Join(',', Header.Select(Cell)));
        await foreach (var o in rows.WithCancellation(ct))
        {
            string[] cells =
            [
                o.Id.ToString(CultureInfo.InvariantCulture), o.Name, o.ItemCount.ToString(CultureInfo.InvariantCulture),
                string.Join(" | ", o.RequestedChanges), o.CreatedBy.Name, o.CreatedBy.OrganizationName,
                o.Date.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ApiNames.Of(o.Status),
                .. Cycles.Select(c => o.Details?.Totals.FirstOrDefault(t => t.BillingCycle == c) is { } t
                    ? t.PeriodTotal.Amount.ToString("0.00", CultureInfo.InvariantCulture) : ""),
                o.Details?.Totals.FirstOrDefault()?.PeriodTotal.Currency ?? "",
                o.Note ?? "",
            ];
            await writer.WriteLineAsync(string.Join(',', cells.Select(Cell)));
        }
    }

    /// <summary>RFC 4180 quoting, and a leading apostrophe on text a spreadsheet would run as a formula.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0]))
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}

using System.Globalization;
using System.Text.Json.Serialization;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Identity;
using CloudMarket.Features.Organizations;
using CloudMarket.Infrastructure;

namespace CloudMarket.Features.Orders;

/// <summary>The export formats of <c>GET /api/v1/orders/export?format=</c> (csv by default).</summary>
[JsonConverter(typeof(ApiEnumConverter<ExportFormat>))]
public enum ExportFormat { Csv, Xlsx }

/// <summary>One cell of an export: text, a whole number, an amount of money or a point in time.</summary>
public readonly record struct ExportCell(string? Text = null, decimal? Number = null, DateTime? Time = null, bool IsAmount = false)
{
    public static ExportCell Of(string? text) => new(Text: text ?? "");
    public static ExportCell Of(long number) => new(Number: number);
    public static ExportCell Amount(decimal? amount) => amount is null ? Of("") : new(Number: amount, IsAmount: true);
    public static ExportCell Of(DateTime time) => new(Time: time);
}

/// <summary>A column of an export: its header and how a row fills it.</summary>
public sealed record ExportColumn(string Header, Func<OrderSummaryDto, ExportCell> Cell);

/// <summary>
/// The exports of a list (CSV and xlsx): one row source and one set of columns for both formats, so they
/// hold the same rows and the same role filtering — the rows are the list's own (<see cref="OrderQueries.ExportAsync"/>,
/// the visibility rule applied in the query), and the columns a customer-level user gets have no cost,
/// margin or internal note. The formats only write cells (<see cref="OrderCsv"/>, <see cref="OrderXlsx"/>).
/// </summary>
public static class OrderExport
{
    public const string CsvContentType = "text/csv";
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static ExportFormat ParseFormat(string? format)
    {
        if (format is null) return ExportFormat.Csv;
        foreach (var f in Enum.GetValues<ExportFormat>())
            if (format == ApiNames.Of(f)) return f;
        throw RequestValidationException.For("format", $"Must be one of: {ApiNames.OneOf<ExportFormat>()}.");
    }

    /// <summary>The export as an HTTP download; the API and the Orders page answer with this same body.</summary>
    public static async Task WriteAsync(HttpResponse response, AppDbContext db, CustomerContext ctx, OrderListFilter filter, ExportFormat format,
        CancellationToken ct)
    {
        var extension = ApiNames.Of(format);
        response.ContentType = format == ExportFormat.Xlsx ? XlsxContentType : CsvContentType + "; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"orders-{ApiNames.Of(filter.View).ToLowerInvariant()}.{extension}\"";
        var columns = Columns(ctx, filter, UserTimeZone.Of(response.HttpContext));
        var rows = OrderQueries.ExportAsync(db, ctx, filter, ct);
        if (format == ExportFormat.Xlsx)
            await OrderXlsx.WriteAsync(response.Body, columns, rows, ct);
        else
            await OrderCsv.WriteAsync(response.Body, columns, rows, ct);
    }

    private static readonly BillingCycle[] Cycles = Enum.GetValues<BillingCycle>();

    /// <summary>
    /// The columns for this caller and list. Every export: the list's columns and, per billing cycle, the
    /// total per period (amounts of different cycles are never added up). The Historical · All export adds
    /// the term totals per cycle and the payment. Seller and distributor levels also get the internal note
    /// and, in the All export, cost and margin per cycle.
    /// </summary>
    public static IReadOnlyList<ExportColumn> Columns(CustomerContext ctx, OrderListFilter filter, TimeZoneInfo zone)
    {
        var all = filter is { View: OrderView.Historical, State: HistoricalState.All };
        var columns = new List<ExportColumn>
        {
            new("Order ID", o => ExportCell.Of(o.Id)),
            new("Name", o => ExportCell.Of(o.Name)),
            new("Items", o => ExportCell.Of(o.ItemCount)),
            new("Requested changes", o => ExportCell.Of(string.Join(" | ", o.RequestedChanges))),
            new("Created by", o => ExportCell.Of(o.CreatedBy.Name)),
            new("Created by organization", o => ExportCell.Of(o.CreatedBy.OrganizationName)),
            new(ExportTime.Header("Date", zone), o => ExportCell.Of(ExportTime.Local(o.Date, zone))),
            new("Status", o => ExportCell.Of(ApiNames.Of(o.Status))),
        };
        foreach (var cycle in Cycles)
            columns.Add(new($"Total per {Pricing.PeriodName(cycle)}", o => ExportCell.Amount(Totals(o, cycle)?.PeriodTotal.Amount)));
        if (all)
        {
            foreach (var cycle in Cycles)
                columns.Add(new($"Term total, billed per {Pricing.PeriodName(cycle)}", o => ExportCell.Amount(Totals(o, cycle)?.TermTotal.Amount)));
            if (ctx.Actor.SeesMarkupAndCost)
                foreach (var cycle in Cycles)
                {
                    columns.Add(new($"Cost per {Pricing.PeriodName(cycle)}", o => ExportCell.Amount(Totals(o, cycle)?.PeriodCost?.Amount)));
                    columns.Add(new($"Margin per {Pricing.PeriodName(cycle)}", o => ExportCell.Amount(Totals(o, cycle)?.PeriodMargin?.Amount)));
                }
        }
        columns.Add(new("Currency", o => ExportCell.Of(o.Details?.Totals.FirstOrDefault()?.PeriodTotal.Currency ?? o.Details?.Payment.Currency)));
        if (all)
        {
            columns.Add(new("Payment method", o => ExportCell.Of(o.Details is { } d ? ApiNames.Of(d.Payment.Method) : null)));
            columns.Add(new("Card", o => ExportCell.Of(o.Details?.Payment is { Method: PaymentMethod.Card } p ? $"{p.CardBrand} •••• {p.CardLast4}" : null)));
            columns.Add(new("Billing cycle", o => ExportCell.Of(o.Details?.Payment.BillingCycle)));
            columns.Add(new("Invoice contract", o => ExportCell.Of(o.Details?.Payment.InvoiceContract)));
        }
        columns.Add(new("Note", o => ExportCell.Of(o.Note)));
        if (ctx.Actor.SeesInternalNotes)
            columns.Add(new("Internal note", o => ExportCell.Of(o.InternalNote)));
        return columns;
    }

    private static CycleTotalsDto? Totals(OrderSummaryDto o, BillingCycle cycle) => o.Details?.Totals.FirstOrDefault(t => t.BillingCycle == cycle);
}

/// <summary>
/// How the exports write a point in time: in the reader's time zone and the app's one format
/// (<see cref="TimeFormat"/>), the zone named in the column's header.
/// </summary>
public static class ExportTime
{
    public static string Header(string column, TimeZoneInfo zone) => $"{column} ({TimeFormat.ZoneName(zone)})";

    /// <summary>The zone's wall-clock time (a spreadsheet's date cell has no zone of its own).</summary>
    public static DateTime Local(DateTime utc, TimeZoneInfo zone) => DateTime.SpecifyKind(TimeFormat.Local(utc, zone), DateTimeKind.Unspecified);

    /// <summary>A wall-clock time as text (a CSV cell), as the pages write it.</summary>
    public static string Text(DateTime local) => local.ToString(TimeFormat.DateTimePattern, CultureInfo.InvariantCulture);

    /// <summary>The spreadsheet number format that shows a time like <see cref="Text"/>.</summary>
    public const string SpreadsheetFormat = "yyyy-mm-dd hh:mm";
}

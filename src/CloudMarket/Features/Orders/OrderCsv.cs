using System.Globalization;
using System.Text;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The CSV format of an export (<see cref="OrderExport"/> gives the rows and columns): UTF-8 with a byte
/// order mark, so Excel reads "€" and "ø" as such instead of guessing a code page; RFC 4180 quoting and CRLF line ends.
/// </summary>
public static class OrderCsv
{
    public static async Task WriteAsync(Stream body, IReadOnlyList<ExportColumn> columns, IAsyncEnumerable<OrderSummaryDto> rows, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)) { NewLine = "\r\n" };
        await WriteAsync(writer, columns, rows, ct);
    }

    public static async Task WriteAsync(TextWriter writer, IReadOnlyList<ExportColumn> columns, IAsyncEnumerable<OrderSummaryDto> rows, CancellationToken ct)
    {
        await writer.WriteLineAsync(string.Join(',', columns.Select(c => Cell(c.Header))));
        await foreach (var o in rows.WithCancellation(ct))
            await writer.WriteLineAsync(string.Join(',', columns.Select(c => Text(c.Cell(o)))));
    }

    /// <summary>Numbers and times as they are (a negative amount stays a number); text quoted and kept from running as a formula.</summary>
    private static string Text(ExportCell cell) =>
        cell.Time is { } t ? ExportTime.Text(t)
        : cell.Number is { } n ? n.ToString(cell.IsAmount ? "0.00" : "0", CultureInfo.InvariantCulture)
        : Cell(cell.Text ?? "");

    /// <summary>RFC 4180 quoting, and a leading apostrophe on text a spreadsheet would run as a formula.</summary>
    public static string Cell(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0]))
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}

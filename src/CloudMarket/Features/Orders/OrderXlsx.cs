using SpreadCheetah;
using SpreadCheetah.Styling;
using SpreadCheetah.Worksheets;

namespace CloudMarket.Features.Orders;

/// <summary>
/// The xlsx format of an export (<see cref="OrderExport"/> gives the rows and columns), streamed with
/// SpreadCheetah: rows go to the response as the list's pages are read, so a workbook of any size never
/// sits in memory. Numbers are numbers and dates are dates (sortable and summable in Excel); text cells
/// are written as text, so nothing in a note can become a formula.
/// </summary>
public static class OrderXlsx
{
    public const string SheetName = "Orders";

    public static async Task WriteAsync(Stream body, IReadOnlyList<ExportColumn> columns, IAsyncEnumerable<OrderSummaryDto> rows, CancellationToken ct)
    {
        var output = new AsyncOnlyStream(body);
        await using (var spreadsheet = await Spreadsheet.CreateNewAsync(output, cancellationToken: ct))
            await WriteAsync(spreadsheet, columns, rows, ct);
        await output.FlushAsync(ct);
    }

    private static async Task WriteAsync(Spreadsheet spreadsheet, IReadOnlyList<ExportColumn> columns, IAsyncEnumerable<OrderSummaryDto> rows, CancellationToken ct)
    {
        var options = new WorksheetOptions { FrozenRows = 1 };
        for (var i = 0; i < columns.Count; i++)
            options.Column(i + 1).Width = Math.Clamp(columns[i].Header.Length + 4, 10, 40);
        await spreadsheet.StartWorksheetAsync(SheetName, options, ct);

        var header = spreadsheet.AddStyle(new Style { Font = { Bold = true } });
        var time = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom(ExportTime.SpreadsheetFormat) });
        var amount = spreadsheet.AddStyle(new Style { Format = NumberFormat.Custom("#,##0.00") });
        await spreadsheet.AddHeaderRowAsync(columns.Select(c => c.Header).ToList(), header, ct);

        var cells = new Cell[columns.Count];
        await foreach (var o in rows.WithCancellation(ct))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                var cell = columns[i].Cell(o);
                cells[i] = cell.Time is { } t ? new Cell(t, time)
                    : cell.Number is { } n ? cell.IsAmount ? new Cell(n, amount) : new Cell((long)n)
                    : new Cell(cell.Text ?? "");
            }
            await spreadsheet.AddRowAsync(cells, ct);
        }
        await spreadsheet.FinishAsync(ct);
    }

    /// <summary>
    /// The response body as the zip writer needs it: the zip's last parts (the central directory) are
    /// written with synchronous calls, which Kestrel refuses. Those are kept in memory (a few KB) and sent
    /// with the next asynchronous write or flush; everything else goes straight through.
    /// </summary>
    private sealed class AsyncOnlyStream(Stream inner) : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _pending.Write(buffer);
            _position += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await SendPendingAsync(ct);
            await inner.WriteAsync(buffer, ct);
            _position += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override void Flush() { } // sent with the next asynchronous call

        public override async Task FlushAsync(CancellationToken ct)
        {
            await SendPendingAsync(ct);
            await inner.FlushAsync(ct);
        }

        private async Task SendPendingAsync(CancellationToken ct)
        {
            if (_pending.Length == 0) return;
            await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), ct);
            _pending.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

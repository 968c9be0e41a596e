using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CloudMarket.Tests.Infrastructure;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The exports people open in Excel (api.md Workspace, <c>GET /api/v1/orders/export?format=</c>): CSV with a
/// UTF-8 byte order mark; in the Historical · All export the totals per billing cycle and the payment;
/// an xlsx workbook with the very same rows and columns, role-filtered the same way (customer levels: no
/// markup-only order, no cost or margin, no internal note). The workbook is opened here with the Open XML SDK.
/// </summary>
public abstract class OrderExportApiTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";
    private const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly string[] ListColumns =
        ["Order ID", "Name", "Items", "Requested changes", "Created by", "Created by organization", "Date (UTC)", "Status", "Total per month", "Total per year"];

    private static readonly string[] PaymentColumns = ["Payment method", "Card", "Billing cycle", "Invoice contract"];
    private static readonly string[] TermColumns = ["Term total, billed per month", "Term total, billed per year"];
    private static readonly string[] CostColumns = ["Cost per month", "Margin per month", "Cost per year", "Margin per year"];

    private static decimal Amount(JsonElement money) => money.GetProperty("amount").GetDecimal();

    private static string Csv(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    private static async Task<List<string[]>> CsvAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync($"{OrdersUrl}/export?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        // Lines of quoted cells may hold line breaks; the notes here do not.
        return Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(CsvCells).ToList();
    }

    /// <summary>The first worksheet as text cells, by column (numbers in invariant form, dates as "yyyy-MM-dd HH:mm").</summary>
    private static async Task<List<string[]>> XlsxAsync(HttpClient client, string query, string path = $"{OrdersUrl}/export")
    {
        var response = await client.GetAsync($"{path}?{query}&format=xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(XlsxType, response.Content.Headers.ContentType?.MediaType);
        Assert.Matches("^attachment; filename=\"orders-[a-z]+\\.xlsx\"$", response.Content.Headers.ContentDisposition!.ToString());
        using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        using var document = SpreadsheetDocument.Open(stream, false);
        var workbook = document.WorkbookPart!;
        Assert.Equal("Orders", workbook.Workbook.Descendants<Sheet>().Single().Name!.Value);
        var formats = workbook.WorkbookStylesPart?.Stylesheet.NumberingFormats?.Elements<NumberingFormat>()
            .ToDictionary(f => f.NumberFormatId!.Value, f => f.FormatCode!.Value!) ?? [];
        var cellFormats = workbook.WorkbookStylesPart?.Stylesheet.CellFormats?.Elements<CellFormat>().ToList() ?? [];
        var rows = new List<string[]>();
        foreach (var row in workbook.WorksheetParts.Single().Worksheet.Descendants<Row>())
        {
            var cells = new List<string>();
            foreach (var cell in row.Elements<Cell>())
            {
                if (cell.CellReference?.Value is { } reference)
                    while (cells.Count < ColumnIndex(reference)) cells.Add("");
                string text;
                if (cell.DataType?.Value == CellValues.InlineString) text = cell.InlineString?.InnerText ?? "";
                else if (cell.DataType?.Value == CellValues.SharedString)
                    text = workbook.SharedStringTablePart!.SharedStringTable.Elements<SharedStringItem>().ElementAt(int.Parse(cell.CellValue!.Text)).InnerText;
                else if (cell.DataType?.Value == CellValues.String) text = cell.CellValue?.Text ?? "";
                else
                {
                    var number = double.Parse(cell.CellValue?.Text ?? "0", CultureInfo.InvariantCulture);
                    var style = cell.StyleIndex?.Value is { } s && s < cellFormats.Count ? cellFormats[(int)s] : null;
                    var isDate = style?.NumberFormatId?.Value is { } id && formats.TryGetValue(id, out var code) && code.Contains("yy");
                    text = isDate ? DateTime.FromOADate(number).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
                        : ((decimal)number).ToString(CultureInfo.InvariantCulture);
                }
                cells.Add(text);
            }
            rows.Add(cells.ToArray());
        }
        return rows;
    }

    private static int ColumnIndex(string reference)
    {
        var index = 0;
        foreach (var c in reference.TakeWhile(char.IsLetter)) index = index * 26 + (c - 'A' + 1);
        return index - 1;
    }

    /// <summary>Anna's Fabrikam cart paid by card: monthly E3 and Acronis licences, annual Exchange licences, a note and an internal note.</summary>
    private async Task<JsonElement> ArrangedOrderAsync(string internalNote)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(Data.DemoData.SubscriptionIds.FabrikamE3, 12), Increase(Data.DemoData.SubscriptionIds.FabrikamExchange, 7), NewAcronis(3));
        await (await anna.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { paymentMethod = "card", cardBrand = "Visa", cardLast4 = "4242" }))
            .JsonAsync(HttpStatusCode.OK);
        await anna.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "PO 9001, Ærø" }, HttpStatusCode.OK);
        return await anna.PutJsonAsync($"{OrdersUrl}/{id}/internal-note", new { text = internalNote }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task TheCsv_HasABom_AndTheAllExport_HasTotalsPerCycleAndThePayment()
    {
        var order = await ArrangedOrderAsync("seller only: upsell E5");
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var csv = await CsvAsync(anna, All);
        var header = csv[0];
        Assert.Equal([.. ListColumns, .. TermColumns, .. CostColumns, "Currency", .. PaymentColumns, "Note", "Internal note"], header);
        var line = csv.Single(l => l[0] == order.Id().ToString());
        string Cell(string column) => line[Array.IndexOf(header, column)];

        var totals = order.GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(Csv(Amount(totals[0].GetProperty("periodTotal"))), Cell("Total per month"));
        Assert.Equal(Csv(Amount(totals[1].GetProperty("periodTotal"))), Cell("Total per year"));
        Assert.Equal(Csv(Amount(totals[0].GetProperty("termTotal"))), Cell("Term total, billed per month"));
        Assert.Equal(Csv(Amount(totals[1].GetProperty("termTotal"))), Cell("Term total, billed per year"));
        Assert.Equal(Csv(Amount(totals[0].GetProperty("periodCost"))), Cell("Cost per month"));
        Assert.Equal(Csv(Amount(totals[1].GetProperty("periodMargin"))), Cell("Margin per year"));
        Assert.Equal("card", Cell("Payment method"));
        Assert.Equal("Visa •••• 4242", Cell("Card"));
        Assert.Equal("mixed", Cell("Billing cycle"));
        Assert.Equal(order.GetProperty("payment").GetProperty("invoiceContract").GetString(), Cell("Invoice contract"));
        Assert.Equal("EUR", Cell("Currency"));
        Assert.Equal("PO 9001, Ærø", Cell("Note"));
        Assert.Equal("seller only: upsell E5", Cell("Internal note"));
        Assert.Equal(order.GetProperty("date").GetDateTime().ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Cell("Date (UTC)"));

        // The other lists' exports: the list's columns and the totals per period, no term totals or payment.
        var recent = await CsvAsync(anna, "view=recent");
        Assert.Equal([.. ListColumns, "Currency", "Note", "Internal note"], recent[0]);
    }

    [Fact]
    public async Task TimesAreWrittenInTheReadersTimeZone_NamedInTheHeader()
    {
        var order = await ArrangedOrderAsync("zone check");
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.PutJsonAsync("/api/v1/me", new { timeZone = "Asia/Tokyo" }, HttpStatusCode.OK);
        try
        {
            var csv = await CsvAsync(anna, All);
            var line = csv.Single(l => l[0] == order.Id().ToString());
            var tokyo = order.GetProperty("date").GetDateTime().ToUniversalTime().AddHours(9); // Japan has no daylight saving time
            Assert.Equal(tokyo.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), line[Array.IndexOf(csv[0], "Date (Asia/Tokyo)")]);
            Assert.DoesNotContain("Date (UTC)", csv[0]);
        }
        finally
        {
            await anna.PutJsonAsync("/api/v1/me", new { timeZone = "UTC" }, HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task TheWorkbook_HoldsTheCsvsRowsAndColumns_WithNumbersAndDatesAsSuch()
    {
        var order = await ArrangedOrderAsync("xlsx: renewal call in March");
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        foreach (var query in new[] { All, "view=recent", "view=historical", $"{All}&sort=number&q=premium" })
        {
            var csv = await CsvAsync(anna, query);
            var xlsx = await XlsxAsync(anna, query);
            Assert.Equal(csv[0], xlsx[0]);
            Assert.Equal(csv.Count, xlsx.Count);
            // Same rows, same order; amounts are numbers in the workbook ("138.6" for "138.60").
            for (var r = 1; r < csv.Count; r++)
                for (var c = 0; c < csv[0].Length; c++)
                {
                    var expected = csv[r][c];
                    var actual = c < xlsx[r].Length ? xlsx[r][c] : "";
                    if (decimal.TryParse(expected, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) && csv[0][c] != "Name")
                        Assert.Equal(n, decimal.Parse(actual, CultureInfo.InvariantCulture));
                    else
                        Assert.Equal(expected.StartsWith('\'') ? expected[1..] : expected, actual);
                }
        }
        var all = await XlsxAsync(anna, All);
        Assert.Contains(all, r => r[0] == order.Id().ToString() && r.Contains("xlsx: renewal call in March"));
    }

    [Fact]
    public async Task CustomerLevelExports_HaveNoMarkupOnlyOrder_NoCostOrMargin_AndNoInternalNote_InEitherFormat()
    {
        var order = await ArrangedOrderAsync("do not show: margin target 22%");
        var markupOnly = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Fabrikam && o.IsMarkupOnly).Select(o => o.Id).FirstAsync());
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        Assert.Contains((await XlsxAsync(seller, All)).Skip(1), r => r[0] == markupOnly.ToString());

        foreach (var email in Demo.CustomerLevelUsers)
        {
            var client = await app.ClientAsync(email);
            var csv = await CsvAsync(client, All);
            var xlsx = await XlsxAsync(client, All);
            Assert.Equal([.. ListColumns, .. TermColumns, "Currency", .. PaymentColumns, "Note"], csv[0]);
            Assert.Equal(csv[0], xlsx[0]);
            foreach (var rows in new[] { csv, xlsx })
            {
                Assert.Contains(rows, r => r[0] == order.Id().ToString() && r.Contains("PO 9001, Ærø"));
                Assert.DoesNotContain(rows, r => r[0] == markupOnly.ToString());
                Assert.DoesNotContain(rows.SelectMany(r => r), cell => cell.Contains("margin target") || cell.Contains("Markup", StringComparison.OrdinalIgnoreCase));
            }
            // The page's download is the same workbook.
            var browser = await app.PageClientAsync(email);
            var page = await XlsxAsync(browser, All, path: "/orders/export");
            Assert.Equal(xlsx, page);
        }
    }

    [Theory]
    [InlineData("xls")]
    [InlineData("CSV")]
    [InlineData("Xlsx")]
    [InlineData("")]
    [InlineData("pdf")]
    public async Task AnUnknownFormat_Is400NamingFormat(string format)
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var problem = await (await ida.GetAsync($"{OrdersUrl}/export?format={format}")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["format"], problem.ErrorFields());
    }

    [Fact]
    public async Task CsvIsTheDefault_AndSaysSo()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        foreach (var query in new[] { "", "?format=csv" })
        {
            var response = await ida.GetAsync($"{OrdersUrl}/export{query}");
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            Assert.Equal("attachment; filename=\"orders-recent.csv\"", response.Content.Headers.ContentDisposition!.ToString());
        }
    }
}

public sealed class OrderExportApiTestsOnSqlite(SqliteFactory app) : OrderExportApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderExportApiTestsOnPostgres(PostgresFactory app) : OrderExportApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.RegularExpressions;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Workspace;

/// <summary>
/// The workspace pages over plain HTTP with cookies and antiforgery, as a browser sends them: the landing page
/// of seller- and distributor-level users, a row opening its order in Customer View, the bulk retry and approval behind their
/// confirmations, and the customer list (the Playwright suite walks the same pages in Chromium).
/// </summary>
public sealed partial class WorkspacePageTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();

    [Fact]
    public async Task SellerAndDistributor_LandOnNeedsAttention_CustomersOnTheirOrders()
    {
        var seller = await app.PageClientAsync(Demo.SellerAdmin);
        var landing = await seller.GetAsync("/");
        Assert.Equal("/attention", landing.Headers.Location?.AbsolutePath);
        var page = await seller.GetStringAsync("/attention");
        var failed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed);
        Assert.Contains($"data-kind=\"provisioningFailed\" data-order-id=\"{failed}\"", page);
        Assert.Contains("Fabrikam Ltd", page);
        Assert.Contains("Correct what the vendor rejected and retry, or close the order.", page);
        Assert.DoesNotContain("Adatum Corp", page);
        Assert.Contains("lib/chartjs/chart.umd.min.js", page);
        Assert.Contains("data-chart=", page);

        var distributor = await app.PageClientAsync(Demo.DistributorReadOnly);
        Assert.Contains("Adatum Corp", await distributor.GetStringAsync("/attention?kind=windowClosing"));

        var customer = await app.PageClientAsync(Demo.FabrikamAdmin);
        Assert.Equal("/orders", (await customer.GetAsync("/")).Headers.Location?.AbsolutePath);
        Assert.Equal("/orders", (await customer.GetAsync("/attention")).Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task ARow_OpensItsOrderInThatCustomersView_AndOnlyALocalAddress()
    {
        var seller = await app.PageClientAsync(Demo.SellerAdmin);
        var failed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed);
        var open = await PostAsync(seller, "/attention", "/customer-view", new() { ["customerId"] = Demo.Fabrikam.ToString(), ["returnUrl"] = $"/orders/{failed}" });
        Assert.Equal($"/orders/{failed}", open.Headers.Location?.OriginalString);
        Assert.Contains("Customer View: <strong>Fabrikam Ltd</strong>", await seller.GetStringAsync($"/orders/{failed}"));

        var elsewhere = await PostAsync(seller, "/attention", "/customer-view", new() { ["customerId"] = Demo.Fabrikam.ToString(), ["returnUrl"] = "//evil.example/" });
        Assert.Equal("/orders", elsewhere.Headers.Location?.OriginalString);
        // Another seller's customer stays out of reach, whatever the address.
        var foreign = await PostAsync(seller, "/attention", "/customer-view", new() { ["customerId"] = Demo.Adatum.ToString(), ["returnUrl"] = "/orders/1" });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task BulkRetry_ListsWhatItWillDo_ThenRetriesThoseOrders()
    {
        var buyer = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var id = await buyer.CreateCartIdAsync(OrderKit.NewAcronis());
        Assert.Equal(HttpStatusCode.Accepted, (await buyer.PlaceAsync(id)).StatusCode);
        await app.WithDbAsync(async db =>
        {
            var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
            order.StartProvisioning(DateTime.UtcNow);
            order.RecordItemRejected(order.Items[0].Id, OrderItem.VendorUnavailableCode, "Acronis could not be reached.", DateTime.UtcNow);
            return await db.SaveChangesAsync();
        });

        var seller = await app.PageClientAsync(Demo.SellerAdmin);
        var queue = await seller.GetStringAsync("/attention");
        Assert.Contains("data-testid=\"bulk-retry\"", queue);
        var confirm = await seller.GetStringAsync("/attention?confirm=retry");
        var form = confirm[confirm.IndexOf("data-testid=\"confirm\"", StringComparison.Ordinal)..];
        form = form[..form.IndexOf("</form>", StringComparison.Ordinal)];
        Assert.Contains($"#{id}</strong> of Tailspin Toys", form);
        Assert.DoesNotContain($"#{await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.ProvisioningFailed)}<", form); // needs a correction

        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        var posted = await seller.PostAsync("/attention?confirm=retry", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("/attention", posted.Headers.Location?.AbsolutePath);
        Assert.Matches("^\\?retried=[1-9][0-9]*&skipped=0$", posted.Headers.Location?.Query ?? "");
        Assert.Equal(OrderStatus.ProvisioningStarted, await app.WithDbAsync(db => db.Orders.Where(o => o.Id == id).Select(o => o.Status).SingleAsync()));

        // A read-only role is not offered the bulk retry.
        var readOnly = await app.PageClientAsync(Demo.SupportAgent);
        Assert.DoesNotContain("data-testid=\"bulk-retry\"", await readOnly.GetStringAsync("/attention"));
    }

    [Fact]
    public async Task BulkApprove_ListsTheOrdersAndWhereTheyGo_ThenApprovesThem()
    {
        var pending = await app.OrderNamedAsync("More E3 for the sales team");
        // The subscriptions manager is no approver of "Big orders by customers": no bulk approval offered.
        var manager = await app.PageClientAsync(Demo.SubscriptionsManager);
        Assert.DoesNotContain("data-testid=\"bulk-approve\"", await manager.GetStringAsync("/attention"));

        var seller = await app.PageClientAsync(Demo.SellerAdmin);
        Assert.Contains("data-testid=\"bulk-approve\"", await seller.GetStringAsync("/attention?kind=pendingApproval"));
        var confirm = await seller.GetStringAsync("/attention?kind=pendingApproval&confirm=approve");
        var form = confirm[confirm.IndexOf("data-testid=\"confirm-approval\"", StringComparison.Ordinal)..];
        form = form[..form.IndexOf("</form>", StringComparison.Ordinal)];
        Assert.Matches($"<strong>#{pending}</strong> of Fabrikam Ltd: [^<]*Microsoft 365 E3[^<]* —\\s*sent to the vendors now", form);

        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["Form.Comment"] = "Budget confirmed.";
        var posted = await seller.PostAsync("/attention?kind=pendingApproval&confirm=approve", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal("?kind=pendingApproval&approved=1&skipped=0", posted.Headers.Location?.Query);
        Assert.Equal(OrderStatus.InProgress, await app.WithDbAsync(db => db.Orders.Where(o => o.Id == pending).Select(o => o.Status).SingleAsync()));

        var after = await seller.GetStringAsync(posted.Headers.Location!.OriginalString);
        Assert.Contains("class=\"app-toast\"", after);
        Assert.Contains("1 order was approved and went on.", after);
        Assert.DoesNotContain($"data-order-id=\"{pending}\"", after);
    }

    [Fact]
    public async Task CustomerList_ShowsCountsPerCustomer_AndTheDistributorSeesAndFiltersBySeller()
    {
        var seller = await app.PageClientAsync(Demo.SellerAdmin);
        var page = await seller.GetStringAsync("/select-organization");
        var fabrikam = Row(page, Demo.Fabrikam);
        Assert.Matches("data-testid=\"failed-orders\">\\s*<span class=\"badge text-bg-danger\">[1-9]", fabrikam);
        Assert.Matches("data-testid=\"subscriptions\">5<", fabrikam);
        Assert.DoesNotContain("data-testid=\"customer-seller\"", page);
        Assert.DoesNotContain("seller-filter", page);

        var distributor = await app.PageClientAsync(Demo.DistributorAdmin);
        var all = await distributor.GetStringAsync("/select-organization");
        Assert.Contains("Contoso Cloud", Row(all, Demo.Fabrikam));
        Assert.Contains("Litware Solutions", Row(all, Demo.Adatum));
        var litware = await distributor.GetStringAsync($"/select-organization?seller={Demo.Litware}");
        Assert.Contains("Adatum Corp", litware);
        Assert.DoesNotContain("Fabrikam Ltd", litware);
        var search = await distributor.GetStringAsync("/select-organization?q=woodgrove");
        Assert.Contains("Woodgrove Bank", search);
        Assert.DoesNotContain("Adatum Corp", search);
    }

    private static string Row(string page, Guid customer)
    {
        var start = page.IndexOf($"data-customer-id=\"{customer}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row of {customer}");
        return page[start..page.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string page, string action, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = AntiforgeryField().Match(await browser.GetStringAsync(page)).Groups[1].Value;
        return await browser.PostAsync(action, new FormUrlEncodedContent(fields));
    }
}

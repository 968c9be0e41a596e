using CloudMarket.BrowserTests.Infrastructure;
using CloudMarket.Data;

namespace CloudMarket.BrowserTests;

/// <summary>Who sees what in the Orders section: Customer View only, the markup rule in page and CSV, 404 for other customers.</summary>
public sealed class CustomerViewTests(AppServer app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<AppServer>
{
    private const string MarkupOnlyOrder = "Markup review Q3";

    [Fact]
    public async Task OrdersSection_IsShownOnlyInCustomerView()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, SellerAdmin);
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/attention$"));
        await Assertions.Expect(page.GetByTestId("nav-orders")).ToHaveCountAsync(0);

        // Without a customer chosen the Orders pages send the user to choose one.
        await page.GotoAsync("/orders");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/select-organization$"));

        await ActOnBehalfAsync(page, Fabrikam);
        await Assertions.Expect(page.GetByTestId("nav-orders")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("customer-view-banner")).ToContainTextAsync("Fabrikam Ltd");

        await page.GetByRole(AriaRole.Button, new() { Name = "Back to organizations" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("nav-orders")).ToHaveCountAsync(0);
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_ShowsTheErrorWithTheEmailKeptInTheFormButNotInTheAddress_ThenSignsIn()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/signin?returnUrl=%2Fselect-organization");
        await Assertions.Expect(page.GetByTestId("demo-hint")).ToContainTextAsync(Password);
        await page.GetByLabel("E-mail").FillAsync(SellerAdmin);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("signin-error")).ToContainTextAsync("locked for 5 minutes");
        Assert.DoesNotContain("contoso", page.Url, StringComparison.OrdinalIgnoreCase);
        await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveValueAsync(SellerAdmin);

        // Only the password to type again; the page that was asked for still follows.
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/select-organization$"));
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task CustomerAdmin_SeesTheSameOrdersAsTheSeller_WithoutMarkupChanges_InThePageAndTheCsv()
    {
        var seller = await SellerInFabrikamAsync();
        await seller.GotoAsync("/orders?view=historical&state=all");
        var markupOnlyId = long.Parse((await seller.Locator("[data-testid=order-row]", new() { HasText = MarkupOnlyOrder }).GetAttributeAsync("data-order-id"))!);
        var sellerRows = await RowIdsAsync(seller);
        var sellerCsv = await DownloadCsvAsync(seller);
        Assert.Contains(markupOnlyId, CsvIds(sellerCsv));
        Assert.Contains("Markup change", sellerCsv);

        var customer = await NewPageAsync();
        await SignInAsync(customer, CustomerAdmin);
        await Assertions.Expect(customer.GetByTestId("customer-view-banner")).ToContainTextAsync("Fabrikam Ltd");
        await customer.GotoAsync("/orders?view=historical&state=all");

        // The same orders, less the one made only of markup changes.
        Assert.Equal(sellerRows.Where(id => id != markupOnlyId), await RowIdsAsync(customer));
        var main = await customer.Locator("main").InnerTextAsync();
        Assert.DoesNotContain(MarkupOnlyOrder, main);
        Assert.DoesNotContain("Markup", main, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Margin", main, StringComparison.OrdinalIgnoreCase);

        // And the same in the CSV of that list.
        var customerCsv = await DownloadCsvAsync(customer);
        Assert.Equal(CsvIds(sellerCsv).Where(id => id != markupOnlyId), CsvIds(customerCsv));
        Assert.DoesNotContain("Markup", customerCsv, StringComparison.OrdinalIgnoreCase);

        // The mixed order shows only its quantity change; its markup item and costs are not there.
        var mixedId = await OrderIdAsync(o => o.Note == "Customer asked for 3 more mailboxes");
        await customer.GotoAsync($"/orders/{mixedId}");
        await Assertions.Expect(customer.GetByTestId("order-item")).ToHaveCountAsync(1);
        await Assertions.Expect(customer.GetByTestId("order-items")).ToContainTextAsync("Increase licences: Exchange Online (Plan 1), 5 → 8");
        var detail = await customer.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("Markup", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Margin", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("unit cost", detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Cost per period", detail, StringComparison.OrdinalIgnoreCase);

        // The markup-only order does not exist for the customer, even by its URL.
        var response = await customer.GotoAsync($"/orders/{markupOnlyId}");
        Assert.Equal(404, response!.Status);
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task CustomerUser_CannotReachAnotherCustomersOrderByUrl()
    {
        var tailspinOrder = await OrderIdAsync(o => o.CustomerId == DemoData.Tailspin);
        var ownOrder = await OrderIdAsync(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly);
        var page = await NewPageAsync();
        await SignInAsync(page, FabrikamCustomer);

        var own = await page.GotoAsync($"/orders/{ownOrder}");
        Assert.Equal(200, own!.Status);
        await Assertions.Expect(page.GetByTestId("order-id")).ToHaveTextAsync($"#{ownOrder}");

        var other = await page.GotoAsync($"/orders/{tailspinOrder}");
        Assert.Equal(404, other!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync();
        Assert.DoesNotContain("Tailspin", await page.ContentAsync());
        Assert.Empty(ScriptProblems);
    }

    [Fact]
    public async Task Note_AddedFromTheList_IsShownInTheListAndRecordedInTheHistory()
    {
        var draftId = await OrderIdAsync(o => o.Name == "Backup expansion");
        var page = await SellerInFabrikamAsync();
        await page.GetByTestId("show-historical").ClickAsync();
        await page.GetByTestId("state-draft").ClickAsync();
        var row = Row(page, draftId);
        await row.GetByText("Edit note").ClickAsync();
        await row.GetByLabel($"Note of order {draftId}").FillAsync("Call Ida before the renewal");
        await row.GetByRole(AriaRole.Button, new() { Name = "Save note" }).ClickAsync();

        // Back on the same list at the order's own row, with the note in place and a toast that says so.
        await page.WaitForURLAsync($"**/orders?view=historical&state=draft&noted={draftId}#order-{draftId}");
        await Assertions.Expect(Row(page, draftId).GetByTestId("order-note")).ToHaveTextAsync("Call Ida before the renewal");
        await Assertions.Expect(page.GetByTestId("done")).ToHaveTextAsync($"Note of order #{draftId} saved.");
        Assert.Equal(draftId.ToString(), await page.EvaluateAsync<string>("() => document.querySelector('tr:target').dataset.orderId"));

        await Row(page, draftId).GetByTestId("order-link").ClickAsync();
        await Assertions.Expect(page.GetByTestId("history")).ToContainTextAsync("Note: Call Ida before the renewal");

        // The customer sees the note too.
        var customer = await NewPageAsync();
        await SignInAsync(customer, CustomerAdmin);
        await customer.GotoAsync("/orders?view=historical&state=draft");
        await Assertions.Expect(Row(customer, draftId).GetByTestId("order-note")).ToHaveTextAsync("Call Ida before the renewal");
        Assert.Empty(ScriptProblems);
    }
}

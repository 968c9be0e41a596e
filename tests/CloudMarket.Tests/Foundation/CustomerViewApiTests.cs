using System.Net;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>Who may act on behalf of whom (api.md "Authentication and acting on behalf").</summary>
public abstract class CustomerViewApiTests(CloudMarketFactory app)
{
    [Theory]
    [InlineData(Demo.DistributorAdmin, new[] { "Adatum Corp", "Fabrikam Ltd", "Proseware Inc", "Tailspin Toys", "Wingtip Toys", "Woodgrove Bank" })]
    [InlineData(Demo.SellerAdmin, new[] { "Fabrikam Ltd", "Tailspin Toys", "Wingtip Toys" })]
    [InlineData(Demo.SupportAgent, new[] { "Fabrikam Ltd", "Tailspin Toys", "Wingtip Toys" })]
    [InlineData(Demo.LitwareAdmin, new[] { "Adatum Corp", "Proseware Inc", "Woodgrove Bank" })]
    [InlineData(Demo.FabrikamAdmin, new[] { "Fabrikam Ltd" })]
    [InlineData(Demo.FabrikamBilling, new[] { "Fabrikam Ltd" })]
    public async Task Organizations_ListsExactlyTheCustomersTheCallerMayActFor(string email, string[] expected)
    {
        var client = await app.ClientAsync(email);
        var list = await client.GetJsonAsync("/api/v1/organizations");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(expected, items.Select(i => i.GetProperty("name").GetString()));
        Assert.All(items, i => Assert.Equal("customer", i.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Organizations_SearchByName_FiltersCaseInsensitively()
    {
        var client = await app.ClientAsync(Demo.DistributorAdmin);
        var list = await client.GetJsonAsync("/api/v1/organizations?q=TOYS");
        Assert.Equal(["Tailspin Toys", "Wingtip Toys"], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
    }

    public static TheoryData<string, string, HttpStatusCode> OnBehalfMatrix => new()
    {
        // caller, customer named in X-On-Behalf-Of ("" = no header), expected answer of GET /api/v1/subscriptions
        { Demo.DistributorAdmin, "fabrikam", HttpStatusCode.OK },
        { Demo.DistributorAdmin, "adatum", HttpStatusCode.OK },
        { Demo.DistributorAdmin, "", HttpStatusCode.BadRequest },
        { Demo.DistributorAdmin, "contoso", HttpStatusCode.NotFound },
        { Demo.DistributorReadOnly, "adatum", HttpStatusCode.OK },
        { Demo.SellerAdmin, "fabrikam", HttpStatusCode.OK },
        { Demo.SellerAdmin, "tailspin", HttpStatusCode.OK },
        { Demo.SellerAdmin, "adatum", HttpStatusCode.NotFound },
        { Demo.SellerAdmin, "", HttpStatusCode.BadRequest },
        { Demo.SellerAdmin, "unknown", HttpStatusCode.NotFound },
        { Demo.SellerAdmin, "northwind", HttpStatusCode.NotFound },
        { Demo.AccountManager, "adatum", HttpStatusCode.NotFound },
        { Demo.SupportAgent, "fabrikam", HttpStatusCode.OK },
        { Demo.LitwareAdmin, "adatum", HttpStatusCode.OK },
        { Demo.LitwareAdmin, "fabrikam", HttpStatusCode.NotFound },
        { Demo.FabrikamAdmin, "", HttpStatusCode.OK },
        { Demo.FabrikamAdmin, "fabrikam", HttpStatusCode.OK },
        { Demo.FabrikamAdmin, "tailspin", HttpStatusCode.NotFound },
        { Demo.FabrikamCustomer, "adatum", HttpStatusCode.NotFound },
        { Demo.FabrikamBilling, "", HttpStatusCode.OK },
        { Demo.TailspinAdmin, "fabrikam", HttpStatusCode.NotFound },
        { Demo.AdatumAdmin, "", HttpStatusCode.OK },
    };

    private static Guid? Org(string name) => name switch
    {
        "" => null,
        "fabrikam" => Demo.Fabrikam,
        "tailspin" => Demo.Tailspin,
        "adatum" => Demo.Adatum,
        "contoso" => Demo.Contoso,
        "northwind" => Demo.Northwind,
        _ => Guid.Parse("11111111-2222-3333-4444-555555555555"),
    };

    [Theory]
    [MemberData(nameof(OnBehalfMatrix))]
    public async Task CustomerEndpoints_HonourTheOnBehalfRules(string email, string customer, HttpStatusCode expected)
    {
        var client = await app.ClientAsync(email, Org(customer));
        foreach (var url in new[] { "/api/v1/subscriptions", "/api/v1/orders", "/api/v1/catalog/offers" })
        {
            var response = await client.GetAsync(url);
            Assert.True(expected == response.StatusCode, $"{email} on {customer} {url}: {(int)response.StatusCode}");
            if (expected != HttpStatusCode.OK)
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("view=historical&state=all")]
    [InlineData("view=historical&state=active&sort=number")]
    [InlineData("view=recent&sort=date")]
    public async Task AFirstPage_RunsTheSameStatementAsThePagesAfterIt(string query)
    {
        // One prepared statement, whose generic plan PostgreSQL keeps; a first page's own statement was planned anew at every
        // run for a customer far larger than the average (docs/performance.md, point 45).
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var first = await client.GetJsonAsync($"/api/v1/orders?{query}&limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        static string Page(List<string> statements) => Assert.Single(statements, s => s.Contains("\"Orders\"") && !s.Contains("\"AspNetUsers\""));
        var firstPage = Page(await app.Statements.OfGetAsync(client, $"/api/v1/orders?{query}&limit=2"));
        var nextPage = Page(await app.Statements.OfGetAsync(client, $"/api/v1/orders?{query}&limit=2&cursor={Uri.EscapeDataString(cursor)}"));
        Assert.Equal(nextPage, firstPage);
    }

    [Theory]
    [InlineData(Demo.SellerAdmin, "fabrikam")]
    [InlineData(Demo.DistributorAdmin, "fabrikam")]
    [InlineData(Demo.FabrikamAdmin, "")]
    public async Task CustomerScopedRequest_ReadsSessionCustomerAndSellerInOneStatement(string email, string customer)
    {
        var client = await app.ClientAsync(email, Org(customer));
        var statements = await app.Statements.OfGetAsync(client, "/api/v1/orders?view=historical&state=all");
        // The session check's statement also brings the customer and its seller; nothing else reads organizations.
        var session = Assert.Single(statements, s => s.Contains("\"AspNetUsers\""));
        Assert.Contains("\"Organizations\"", session);
        Assert.Single(statements, s => s.Contains("\"Organizations\""));
        Assert.Equal(2, statements.Count); // session + customer + seller; the page with its items (docs/performance.md, point 45)
    }

    [Theory]
    [InlineData("/api/v1/orders?view=recent", false)]
    [InlineData("/api/v1/orders?view=historical&state=active", false)]
    [InlineData("/api/v1/orders?view=historical&state=all", true)]
    public async Task AList_ReadsOfItsItems_OnlyWhatItShows(string url, bool detailed)
    {
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var statements = await app.Statements.OfGetAsync(client, url);
        var items = statements.Where(s => s.Contains("\"OrderItems\"")).ToList();
        Assert.NotEmpty(items);
        // Only the detailed view shows prices, which take the items' add-ons; the others show each item's description
        // (docs/performance.md point 40).
        Assert.Equal(detailed, items.Any(s => s.Contains("\"OrderItemAddons\"")));
        var read = Assert.Single(items);
        if (!detailed) Assert.DoesNotContain("\"Quantity\"", read);
        // Not even the detailed view reads what no list shows of an item: its contact, tenant, provisioning state and
        // vendor names, or its add-ons' names (point 41).
        foreach (var column in new[] { "AdminEmail", "TenantName", "ErrorMessage", "VendorReference", "VendorName", "OfferName" })
            Assert.DoesNotContain($"\"{column}\"", read);
    }

    [Fact]
    public async Task CustomerMovedToAnotherSeller_IsRefusedToTheOldSellerAtItsNextRequest()
    {
        // Nothing of the customer context outlives a request: the move shows at once, on the same token.
        var contoso = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        var litware = await app.ClientAsync(Demo.LitwareAdmin, Demo.Tailspin);
        await contoso.GetJsonAsync("/api/v1/orders");
        await litware.GetJsonAsync("/api/v1/orders", HttpStatusCode.NotFound);
        await MoveTailspinAsync(Demo.Litware);
        try
        {
            await contoso.GetJsonAsync("/api/v1/orders", HttpStatusCode.NotFound);
            await litware.GetJsonAsync("/api/v1/orders");
        }
        finally { await MoveTailspinAsync(Demo.Contoso); }
    }

    private Task<int> MoveTailspinAsync(Guid seller) => app.WithDbAsync(db =>
        Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
            db.Organizations.Where(o => o.Id == Demo.Tailspin), s => s.SetProperty(o => o.ParentId, (Guid?)seller)));

    [Fact]
    public async Task SellerUser_WithoutOnBehalfHeader_GetsA400NamingTheHeader()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var problem = await client.GetJsonAsync("/api/v1/subscriptions", HttpStatusCode.BadRequest);
        Assert.Contains("X-On-Behalf-Of", problem.ErrorFields());
    }

    [Fact]
    public async Task OnBehalfHeader_ThatIsNotAnId_Answers400()
    {
        var client = await app.CreateAuthenticatedWithRawHeaderAsync(Demo.SellerAdmin, "'; DROP TABLE Orders; --");
        var problem = await client.GetJsonAsync("/api/v1/subscriptions", HttpStatusCode.BadRequest);
        Assert.Contains("X-On-Behalf-Of", problem.ErrorFields());
    }

    [Fact]
    public async Task SubscriptionOfAnotherCustomer_Answers404EvenForItsOwnSeller()
    {
        var tailspinSub = CloudMarket.Data.DemoData.SubscriptionIds.TailspinStandard;
        var asFabrikam = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await asFabrikam.GetJsonAsync($"/api/v1/subscriptions/{tailspinSub}", HttpStatusCode.NotFound);
        var asTailspin = await app.ClientAsync(Demo.SellerAdmin, Demo.Tailspin);
        await asTailspin.GetJsonAsync($"/api/v1/subscriptions/{tailspinSub}");
        var fabrikamUser = await app.ClientAsync(Demo.FabrikamAdmin);
        await fabrikamUser.GetJsonAsync($"/api/v1/subscriptions/{tailspinSub}", HttpStatusCode.NotFound);
    }
}

public sealed class CustomerViewApiTestsOnSqlite(SqliteFactory app) : CustomerViewApiTests(app), IClassFixture<SqliteFactory>;
public sealed class CustomerViewApiTestsOnPostgres(PostgresFactory app) : CustomerViewApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Search and filters of the lists and the export (orders.md; docs/orders.md): q over order number,
/// order name and offer names; status, createdBy and date range; every bad value answers 400 naming
/// the field, and no malformed input anywhere in the orders API gets a 500.
/// </summary>
public abstract class OrderSearchApiTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";

    private async Task<HttpClient> Anna() => await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);

    private static List<long> Ids(IEnumerable<JsonElement> rows) => rows.Select(r => r.Id()).ToList();

    // ---- search ------------------------------------------------------------------------------

    [Fact]
    public async Task Search_ByOrderNumber_WithOrWithoutHash()
    {
        var anna = await Anna();
        var id = await anna.CreateCartIdAsync(NewAcronis(2));
        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q={id}")));
        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q=%23{id}")));
        Assert.DoesNotContain(id, Ids(await anna.AllPagesAsync($"{All}&q={id + 100000}")));
    }

    /// <summary>
    /// A term the search indexes find nowhere the caller may look (and that is no order's number) lists nothing, and no page
    /// statement is run to learn it: the request's statements are the session's and the search's own lookups (performance.md,
    /// point 46). A number is still looked for as one (<see cref="Search_ByOrderNumber_WithOrWithoutHash"/>).
    /// </summary>
    [Theory]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.FabrikamAdmin)]
    public async Task Search_ForATermFoundNowhere_ListsNothing_WithoutReadingAPage(string email)
    {
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        const string query = $"{All}&q=qzxwvjk";
        Assert.Empty(await client.AllPagesAsync(query));

        var statements = await app.Statements.OfGetAsync(client, $"{OrdersUrl}?{query}");
        Assert.Contains(statements, s => s.Contains("\"AspNetUsers\"", StringComparison.Ordinal));
        Assert.DoesNotContain(statements, s => s.Contains("\"Orders\"", StringComparison.Ordinal) && !s.Contains(OrderQueries.SearchTag, StringComparison.Ordinal)
                                              && !s.Contains("\"AspNetUsers\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Search_ByOrderName_IsCaseInsensitiveAndPartial()
    {
        var anna = await Anna();
        var order = await anna.PostJsonAsync(OrdersUrl, new { name = "Zebra Renewal 2027", items = new[] { NewAcronis(2) } }, HttpStatusCode.Created);
        Assert.Equal([order.Id()], Ids(await anna.AllPagesAsync($"{All}&q=zebra%20RENEWAL")));
        Assert.Equal([order.Id()], Ids(await anna.AllPagesAsync($"{All}&q=bra%20ren")));
        Assert.Equal(["Backup expansion"], (await anna.AllPagesAsync($"{All}&q=BACKUP")).Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Search_ByOfferName_FindsExactlyTheOrdersWithSuchAnItem()
    {
        var anna = await Anna();
        foreach (var term in new[] { "premium", "Exchange Online", "ACRONIS", "gravityzone" })
        {
            var expected = await app.WithDbAsync(db => db.Orders
                .Where(o => o.CustomerId == Demo.Fabrikam)
                .Where(o => o.Items.Any(i => i.OfferName.ToLower().Contains(term.ToLower())) || o.Name.ToLower().Contains(term.ToLower()))
                .Select(o => o.Id).ToListAsync());
            Assert.NotEmpty(expected);
            var rows = await anna.AllPagesAsync($"{All}&q={Uri.EscapeDataString(term)}");
            Assert.Equal(expected.Order(), Ids(rows).Order());
        }
        Assert.Empty(await anna.AllPagesAsync($"{All}&q=no-such-offer-anywhere"));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("[a]")]
    [InlineData("'")]
    [InlineData("\\")]
    // SQL and placeholder look-alikes: on PostgreSQL the term is written into the statement's text (ValuesWrittenIn).
    [InlineData("'); DELETE FROM \"Orders\"; --")]
    [InlineData("@p @__p_0 E'\\' /* $$")]
    // Full-text syntax (SQLite's FTS5 index): read as text, never as an operator.
    [InlineData("\"x\"")]
    [InlineData("a*b")]
    [InlineData("Exchange OR Teams")]
    [InlineData("NEAR(backup)")]
    [InlineData("{Note} : po")]
    [InlineData("^-x:()")]
    public async Task Search_TreatsWildcardsAndQuotesAsText(string q)
    {
        var anna = await Anna();
        Assert.Empty(await anna.AllPagesAsync($"{All}&q={Uri.EscapeDataString(q)}"));
        var order = await anna.PostJsonAsync(OrdersUrl, new { name = $"Special {q} order", items = new[] { NewAcronis(1) } }, HttpStatusCode.Created);
        Assert.Equal([order.Id()], Ids(await anna.AllPagesAsync($"{All}&q={Uri.EscapeDataString(q)}")));
        // Out of the way of the next case.
        await app.WithDbAsync(db => db.Orders.Where(o => o.Id == order.Id()).ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, "renamed after the test")));
    }

    /// <summary>
    /// The search index follows every change of what a search matches (on SQLite it is kept by triggers):
    /// a renamed order, a new note, a removed item. Short terms (no trigram) find the same.
    /// </summary>
    [Fact]
    public async Task Search_FollowsRenamesNotesAndRemovedItems_AndShortTermsWork()
    {
        var anna = await Anna();
        var order = await anna.PostJsonAsync(OrdersUrl, new { name = "Pangolin audit Qz", items = new[] { NewAcronis(1), NewE3(2) } }, HttpStatusCode.Created);
        var id = order.Id();
        Assert.Equal([id], Ids(await anna.AllPagesAsync($"{All}&q=pangolin")));
        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q=qz")));

        await (await anna.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { name = "Okapi audit" })).JsonAsync(HttpStatusCode.OK);
        Assert.Empty(await anna.AllPagesAsync($"{All}&q=pangolin"));
        Assert.DoesNotContain(id, Ids(await anna.AllPagesAsync($"{All}&q=qz")));
        Assert.Equal([id], Ids(await anna.AllPagesAsync($"{All}&q=OKAPI%20aud")));

        await anna.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "Ask the wombat team first" }, HttpStatusCode.OK);
        Assert.Equal([id], Ids(await anna.AllPagesAsync($"{All}&q=wombat%20team")));

        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q=acronis")));
        Assert.True((await anna.DeleteAsync($"{OrdersUrl}/{id}/items/{order.ItemId(0)}")).IsSuccessStatusCode);
        Assert.DoesNotContain(id, Ids(await anna.AllPagesAsync($"{All}&q=acronis")));
        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q=365%20e3")));
        Assert.Contains(id, Ids(await anna.AllPagesAsync($"{All}&q=e3")));
    }

    [Fact]
    public async Task Search_AlsoFiltersTheCsvExport()
    {
        var anna = await Anna();
        var rows = await anna.AllPagesAsync($"{All}&q=premium");
        var csv = await (await anna.GetAsync($"{OrdersUrl}/export?{All}&q=premium")).Content.ReadAsStringAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Order ID,Name,Items,", lines[0]);
        Assert.Equal(Ids(rows).Select(i => i.ToString()), lines.Skip(1).Select(l => l.Split(',')[0]));
    }

    // ---- filters -----------------------------------------------------------------------------

    [Fact]
    public async Task CreatedBy_ShowsOnlyThatUsersOrders()
    {
        var anna = await Anna();
        var ida = await app.UserIdAsync(Demo.FabrikamAdmin);
        var expected = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Fabrikam && o.CreatedByUserId == ida).Select(o => o.Id).ToListAsync());
        var rows = await anna.AllPagesAsync($"{All}&createdBy={ida}");
        Assert.NotEmpty(rows);
        Assert.Equal(expected.Order(), Ids(rows).Order());
        Assert.All(rows, r => Assert.Equal(ida, r.GetProperty("createdBy").GetProperty("userId").GetGuid()));
        Assert.Empty(await anna.AllPagesAsync($"{All}&createdBy={Guid.NewGuid()}"));
    }

    [Fact]
    public async Task DateRange_IncludesBothEnds_AndADateAloneForToIsTheWholeDay()
    {
        var anna = await Anna();
        var all = await anna.AllPagesAsync(All);
        var dates = all.Select(r => (Id: r.Id(), Date: r.GetProperty("date").GetDateTime())).ToList();
        var now = DateTime.UtcNow;
        var from = DateOnly.FromDateTime(now.AddDays(-50));
        var to = DateOnly.FromDateTime(now.AddDays(-10));
        var expected = dates.Where(d => DateOnly.FromDateTime(d.Date) >= from && DateOnly.FromDateTime(d.Date) <= to).Select(d => d.Id).ToList();
        Assert.NotEmpty(expected);
        Assert.NotEqual(dates.Count, expected.Count);
        Assert.Equal(expected, Ids(await anna.AllPagesAsync($"{All}&from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}")));

        // Date-times: exactly one order's date as both ends finds exactly that order. One whose instant no other order
        // shares: the demo data has two orders of the same instant, and the list's middle order was one of them in a run
        // where the class's other tests had added a certain number of orders first (both were rightly found).
        var unique = dates.GroupBy(d => d.Date).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
        var one = unique[unique.Count / 2];
        var at = Uri.EscapeDataString(one.Date.ToString("O"));
        Assert.Equal([one.Id], Ids(await anna.AllPagesAsync($"{All}&from={at}&to={at}")));
        // With an offset: the same instant written in another zone.
        var plusTwo = Uri.EscapeDataString(new DateTimeOffset(one.Date).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz"));
        Assert.Equal([one.Id], Ids(await anna.AllPagesAsync($"{All}&from={plusTwo}&to={plusTwo}")));
        // Only one end.
        Assert.Equal(dates.Where(d => d.Date >= one.Date).Select(d => d.Id), Ids(await anna.AllPagesAsync($"{All}&from={at}")));
        Assert.Equal(dates.Where(d => d.Date <= one.Date).Select(d => d.Id), Ids(await anna.AllPagesAsync($"{All}&to={at}")));
    }

    [Fact]
    public async Task Filters_Combine()
    {
        var anna = await Anna();
        var ida = await app.UserIdAsync(Demo.FabrikamAdmin);
        var rows = await anna.AllPagesAsync($"{All}&status=completedWithErrors&createdBy={ida}&q=exchange");
        var expected = await app.WithDbAsync(db => db.Orders
            .Where(o => o.CustomerId == Demo.Fabrikam && o.Status == OrderStatus.CompletedWithErrors && o.CreatedByUserId == ida)
            .Where(o => o.Items.Any(i => i.OfferName.ToLower().Contains("exchange")))
            .Select(o => o.Id).ToListAsync());
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Order(), Ids(rows).Order());
        Assert.Empty(await anna.AllPagesAsync($"{All}&status=draft&createdBy={ida}"));
    }

    // ---- bad values --------------------------------------------------------------------------

    private static string Cursor(string raw) => Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TheoryData<string, string> BadFilters => new()
    {
        { "view=old", "view" },
        { "view=1", "view" },
        { "view=historical&state=foo", "state" },
        { "view=historical&state=2", "state" },
        { "status=pending", "status" },
        { "status=3", "status" },
        { "status=started,deleted", "status" },
        { "createdBy=abc", "createdBy" },
        { "createdBy=1234", "createdBy" },
        { "from=yesterday", "from" },
        { "to=2026-13-45", "to" },
        { "from=2026-11-25&to=2026-11-01", "from" },
        { "from=0001-01-01T00:00:00Z", "from" },
        { "to=99999-01-01", "to" },
        { "limit=0", "limit" },
        { "limit=-1", "limit" },
        { "limit=201", "limit" },
        { "limit=abc", "limit" },
        { "limit=1.5", "limit" },
        { "limit=99999999999999999999", "limit" },
        { "q=" + new string('y', 201), "q" },
        { "cursor=garbage!!", "cursor" },
        { "cursor=%25%25%25", "cursor" },
        { "cursor=" + "AAAA", "cursor" },
        { "cursor=eDp5", "cursor" }, // "x:y"
        { "cursor=LTU6MQ", "cursor" }, // "-5:1"
        { "cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk6MQ", "cursor" }, // ticks beyond DateTime
    };

    [Theory]
    [MemberData(nameof(BadFilters))]
    public async Task ABadFilterValue_Answers400NamingIt_InListAndExport(string query, string field)
    {
        var anna = await Anna();
        foreach (var path in new[] { OrdersUrl, $"{OrdersUrl}/export" })
        {
            if (path.EndsWith("export") && (query.StartsWith("limit") || query.StartsWith("cursor"))) continue; // the export takes neither
            var problem = await (await anna.GetAsync($"{path}?{query}")).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Contains(field, problem.ErrorFields());
        }
    }

    [Fact]
    public async Task SeveralBadFilterValues_AreAllNamedAtOnce()
    {
        var anna = await Anna();
        var problem = await (await anna.GetAsync($"{OrdersUrl}?view=sideways&status=unknown&createdBy=me&from=x&to=y")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "createdBy", "from", "status", "to", "view" }, problem.ErrorFields().Order());
    }

    [Theory]
    [InlineData("from=0001-01-01&to=9999-12-31")]
    [InlineData("from=1901-01-01T00:00:00Z")]
    [InlineData("to=8999-12-31T23:59:59Z")]
    [InlineData("cursor=LWRhdGU6MTox")] // "-date:1:1": after every order, newest first
    [InlineData("cursor=LWRhdGU6MzE1NTM3ODk3NTk5OTk5OTk5OTo5MjIzMzcyMDM2ODU0Nzc1ODA3")] // "-date:" DateTime.MaxValue, long.MaxValue
    [InlineData("sort=number&cursor=bnVtYmVyOjA")] // "number:0": before every order
    [InlineData("sort=status&cursor=c3RhdHVzOnN0YXJ0ZWQ6MTox")] // "status:started:1:1": after every order
    [InlineData("q=%F0%9F%98%80")]
    [InlineData("status=STARTED")]
    public async Task ExtremeButValidFilters_Answer200(string query)
    {
        var anna = await Anna();
        var response = await anna.GetAsync($"{OrdersUrl}?{All}&{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    // ---- no malformed input gets a 500 ----------------------------------------------------------

    public static TheoryData<string, string, string?> Malformed => new()
    {
        // method, path ({cart} = a started order, {failed} = a provisioningFailed one), raw body
        { "GET", "/api/v1/orders/abc", null },
        { "GET", "/api/v1/orders/99999999999999999999", null },
        { "GET", "/api/v1/orders/-5", null },
        { "GET", "/api/v1/orders/0", null },
        { "GET", "/api/v1/orders/1e3", null },
        { "PUT", "/api/v1/orders/{cart}/items/not-a-guid", "{}" },
        { "DELETE", "/api/v1/orders/{cart}/items/00000000-0000-0000-0000-000000000000", null },
        { "POST", "/api/v1/orders", "{" },
        { "POST", "/api/v1/orders", "[]" },
        { "POST", "/api/v1/orders", "null" },
        { "POST", "/api/v1/orders", "" },
        { "POST", "/api/v1/orders", "{\"items\": {}}" },
        { "POST", "/api/v1/orders", "{\"items\": [null]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"buyEverything\"}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": 0}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"subscriptionId\": \"nope\", \"quantity\": 5}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"quantity\": \"12\"}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"quantity\": 2147483648}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"quantity\": 1e40}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"changeMarkup\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"markupPercent\": 1e30}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"changeMarkup\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"markupPercent\": 12.345}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"changeMarkup\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"markupPercent\": -1}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"newSubscription\", \"offerId\": \"ms-365-e3\", \"quantity\": 1, \"billingCycle\": \"weekly\"}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"newSubscription\", \"offerId\": \"ms-365-e3\", \"quantity\": 1, \"addons\": [null], \"adminContact\": \"ida\"}]}" },
        { "POST", "/api/v1/orders", "{\"items\": [{\"kind\": \"newSubscription\", \"offerId\": \"" + new string('x', 5000) + "\", \"quantity\": 1}]}" },
        { "POST", "/api/v1/orders", "{\"name\": \"   \", \"items\": []}" },
        { "POST", "/api/v1/orders", "{\"name\": \"" + new string('n', 201) + "\", \"items\": []}" },
        { "POST", "/api/v1/orders", "{\"name\": 42}" },
        { "POST", "/api/v1/orders", new string('[', 5000) + new string(']', 5000) },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"suspend\"}" },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"changeAutoRenew\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\"}" },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"decreaseQuantity\", \"subscriptionId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\", \"quantity\": -2147483648}" },
        { "PATCH", "/api/v1/orders/{cart}", "{\"paymentMethod\": \"bitcoin\"}" },
        { "PATCH", "/api/v1/orders/{cart}", "{\"paymentMethod\": \"card\", \"cardBrand\": \"Visa\", \"cardLast4\": \"12a4\"}" },
        { "PATCH", "/api/v1/orders/{cart}", "null" },
        { "PUT", "/api/v1/orders/{cart}/note", "{\"text\": {\"a\": 1}}" },
        { "PUT", "/api/v1/orders/{cart}/note", "{}" },
        { "PUT", "/api/v1/orders/{cart}/note", "{\"txt\": \"PO 1\"}" },
        { "PUT", "/api/v1/orders/{cart}/note", "{\"text\": \"PO 1\", \"pinned\": true}" },
        { "POST", "/api/v1/orders", "{\"itmes\": []}" },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"suspend\", \"subscriptonId\": \"" + DemoData.SubscriptionIds.FabrikamE3 + "\"}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [{\"itemId\": \"{failedItem}\", \"tenant\": \"x\"}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [{\"itemId\": \"x\"}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [null, {}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [{\"itemId\": \"00000000-0000-0000-0000-000000000000\"}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [{\"itemId\": \"{failedItem}\", \"adminContact\": {\"email\": \"bad\"}, \"tenantName\": \"x y\"}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "{\"items\": [{\"itemId\": \"{failedItem}\"}, {\"itemId\": \"{failedItem}\"}]}" },
        { "POST", "/api/v1/orders/{failed}/retry", "[1,2,3]" },
        { "GET", "/api/v1/orders?limit=10&cursor=" + new string('A', 10000), null },
        { "POST", "/api/v1/orders", "{\"name\": \"a\\u0000b\", \"items\": []}" },
        { "PATCH", "/api/v1/orders/{cart}", "{\"name\": \"\\u0000\"}" },
        { "PUT", "/api/v1/orders/{cart}/note", "{\"text\": \"PO\\u0000 17\"}" },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"newSubscription\", \"offerId\": \"acronis-cyber-protect-standard\", \"quantity\": 2, \"adminContact\": {\"email\": \"it@fabrikam.example\", \"firstName\": \"I\\u0000da\", \"lastName\": \"Lund\"}}" },
        { "POST", "/api/v1/orders/{cart}/items", "{\"kind\": \"newSubscription\", \"offerId\": \"ms-365-e3\\u0000\", \"quantity\": 2}" },
        { "GET", "/api/v1/orders?q=%00", null },
        { "GET", "/api/v1/orders/export?q=a%00b", null },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedInput_AnswersA4xx_NeverA500_AndChangesNothing(string method, string path, string? body)
    {
        var anna = await Anna();
        var (cart, failed, failedItem) = await MalformedTargets.GetValue(app, _ => ArrangeMalformedTargetsAsync(anna));
        var (cartBefore, failedBefore) = (await app.SnapshotAsync(cart), await app.SnapshotAsync(failed));

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{cart}", cart.ToString()).Replace("{failed}", failed.ToString()));
        if (body is not null)
            request.Content = new StringContent(body.Replace("{failedItem}", failedItem.ToString()), Encoding.UTF8, "application/json");
        var response = await anna.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path} {body?[..Math.Min(body.Length, 80)]}: {(int)response.StatusCode} {text}");
        // Problems speak the API's words: no .NET type or namespace of the server (issue 10 §4).
        Assert.DoesNotContain("CloudMarket.", text);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Nullable`", text);
        Assert.Equal(cartBefore, await app.SnapshotAsync(cart));
        Assert.Equal(failedBefore, await app.SnapshotAsync(failed));
    }

    public static TheoryData<string, string, string, string> BadJson => new()
    {
        // path, raw body, the field the problem must name, words its message must hold
        { "/api/v1/orders", "{\"items\": [{\"kind\": \"buyEverything\"}]}", "items[0].kind", "one of: newSubscription, increaseQuantity" },
        { "/api/v1/orders", "{\"items\": [{\"kind\": 0}]}", "items[0].kind", "one of: newSubscription" },
        { "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"subscriptionId\": \"nope\", \"quantity\": 5}]}", "items[0].subscriptionId", "an id" },
        { "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"quantity\": \"12\"}]}", "items[0].quantity", "a whole number" },
        { "/api/v1/orders", "{\"items\": [{\"kind\": \"increaseQuantity\", \"quantity\": 2147483648}]}", "items[0].quantity", "a whole number from -2147483648 to 2147483647" },
        { "/api/v1/orders", "{\"items\": [{\"kind\": \"newSubscription\", \"addons\": [{\"offerId\": 7}]}]}", "items[0].addons[0].offerId", "a text" },
        { "/api/v1/orders", "{\"items\": {}}", "items", "a list" },
        { "/api/v1/orders", "[]", "body", "an object" },
        { "/api/v1/orders", "{", "body", "Not valid JSON at line 1" },
        { "/api/v1/orders", "{\"itmes\": []}", "itmes", "Not a field" },
        { "/api/v1/orders/{cart}/note", "{\"txt\": \"PO 1\"}", "txt", "Not a field" },
        { "/api/v1/orders/{cart}/note", "{}", "text", "Required" },
        { "/api/v1/orders/{cart}", "{\"paymentMethod\": \"bitcoin\"}", "paymentMethod", "one of: invoice, card" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task ABadJsonBody_Is400NamingTheFieldAndWhatItTakes(string path, string body, string field, string words)
    {
        var anna = await Anna();
        var (cart, _, _) = await MalformedTargets.GetValue(app, _ => ArrangeMalformedTargetsAsync(anna));
        var method = path.EndsWith("/note") ? HttpMethod.Put : path.EndsWith("}") ? HttpMethod.Patch : HttpMethod.Post;
        using var request = new HttpRequestMessage(method, path.Replace("{cart}", cart.ToString())) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var problem = await (await anna.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.ErrorFields());
        Assert.Contains(words, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.StartsWith("The request body is not valid JSON for ", problem.GetProperty("title").GetString());
        Assert.DoesNotContain("CloudMarket.", problem.GetRawText());
        Assert.DoesNotContain("System.", problem.GetRawText());
    }

    /// <summary>One started cart and one provisioningFailed order per database, shared by the malformed-input cases (none may change them).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CloudMarketFactory, Task<(long Cart, long Failed, Guid FailedItem)>> MalformedTargets = new();

    private async Task<(long, long, Guid)> ArrangeMalformedTargetsAsync(HttpClient anna)
    {
        var cart = await anna.CreateCartIdAsync(NewAcronis(1), Increase(DemoData.SubscriptionIds.FabrikamE3, 17));
        var failed = await anna.CreateCartIdAsync(NewAcronis(2), NewAcronis(3));
        await (await anna.PlaceAsync(failed)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(failed, false, true);
        return (cart, failed, (await anna.OrderAsync(failed)).ItemId(0));
    }

    [Fact]
    public async Task NonJsonBodies_AndOversizedIdempotencyKeys_Are4xx()
    {
        var anna = await Anna();
        var cart = await anna.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(cart);
        var plain = await anna.PostAsync(OrdersUrl, new StringContent("{\"items\": []}", Encoding.UTF8, "text/plain"));
        Assert.InRange((int)plain.StatusCode, 400, 499);
        var invalidUtf8 = new ByteArrayContent([0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]);
        invalidUtf8.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        Assert.InRange((int)(await anna.PostAsync(OrdersUrl, invalidUtf8)).StatusCode, 400, 499);
        var longKey = await anna.PlaceAsync(cart, new string('k', 201));
        Assert.Contains(PlaceIdempotency.Header, (await longKey.ProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(cart));
    }
}

public sealed class OrderSearchApiTestsOnSqlite(SqliteFactory app) : OrderSearchApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderSearchApiTestsOnPostgres(PostgresFactory app) : OrderSearchApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.Json;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The internal note (api.md Workspace, <c>PUT /api/v1/orders/{id}/internal-note</c>): the seller's and
/// distributor's own remark, with the note's rules (length, body, If-Match), in their answers as
/// <c>internalNote</c>; customer-level users get 403 writing it and never see it — not in the order, the
/// lists, the history, the version, the CSV or the pages. Search covers the notes each user may see, and
/// <c>#11</c> finds order 11 only.
/// </summary>
public abstract class OrderInternalNotesApiTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";

    private static string Url(long id) => $"{OrdersUrl}/{id}/internal-note";

    private Task<HttpClient> Anna() => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);

    /// <summary>Every text a customer-level user can get about the customer's orders, through the API and the pages.</summary>
    private async Task<string> EverythingACustomerGetsAsync(string email, long id)
    {
        var client = await app.ClientAsync(email);
        var order = await client.OrderAsync(id);
        Assert.False(order.TryGetProperty("internalNote", out _), $"{email} got internalNote");
        var texts = new List<string> { order.GetRawText() };
        foreach (var query in new[] { "", "view=historical", All, $"{All}&q={id}" })
        {
            var rows = await client.AllPagesAsync(query);
            Assert.All(rows, r => Assert.False(r.TryGetProperty("internalNote", out _)));
            texts.AddRange(rows.Select(r => r.GetRawText()));
            texts.Add(await (await client.GetAsync($"{OrdersUrl}/export?{query}")).Content.ReadAsStringAsync());
        }
        var browser = await app.PageClientAsync(email);
        texts.Add(await browser.GetStringAsync($"/orders/{id}"));
        texts.Add(await browser.GetStringAsync($"/orders?{All}"));
        texts.Add(await browser.GetStringAsync($"/orders/export?{All}"));
        return string.Join("\n", texts);
    }

    [Fact]
    public async Task ASellersInternalNote_IsInTheirAnswers_AndInNothingACustomerGets()
    {
        var anna = await Anna();
        var id = await anna.CreateCartIdAsync(NewAcronis(2));
        await anna.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "PO 8812" }, HttpStatusCode.OK);
        var customerBefore = await (await app.ClientAsync(Demo.FabrikamAdmin)).OrderAsync(id);

        const string secret = "call back in Q1, discount possible";
        var order = await anna.PutJsonAsync(Url(id), new { text = $"  {secret}  " }, HttpStatusCode.OK);
        Assert.Equal(secret, order.GetProperty("internalNote").GetString());
        Assert.Equal("PO 8812", order.GetProperty("note").GetString());
        Assert.Equal($"Internal note: {secret}", order.Events()[^1].GetProperty("reason").GetString());
        Assert.Equal(secret, (await anna.OrderAsync(id)).GetProperty("internalNote").GetString());
        Assert.Equal(secret, (await anna.AllPagesAsync(All)).Single(r => r.Id() == id).GetProperty("internalNote").GetString());
        Assert.Equal(secret, (await (await app.ClientAsync(Demo.DistributorReadOnly, Demo.Fabrikam)).OrderAsync(id)).GetProperty("internalNote").GetString());

        foreach (var email in Demo.CustomerLevelUsers)
        {
            var everything = await EverythingACustomerGetsAsync(email, id);
            Assert.Contains("PO 8812", everything); // the order's own note is theirs
            Assert.DoesNotContain("call back", everything);
            Assert.DoesNotContain("Internal note", everything);
            // Nor can they count it: their version, last change and history did not move.
            var seen = await (await app.ClientAsync(email)).OrderAsync(id);
            Assert.Equal(customerBefore.Version(), seen.Version());
            Assert.Equal(customerBefore.GetProperty("updatedAt").GetString(), seen.GetProperty("updatedAt").GetString());
            Assert.Equal(customerBefore.Events().Count, seen.Events().Count);
        }
    }

    [Fact]
    public async Task TheInternalNote_CanBeChangedAndRemoved_AndCustomersCanStillWriteTheirNote()
    {
        var anna = await Anna();
        var id = await anna.CreateCartIdAsync(NewAcronis(2));
        await anna.PutJsonAsync(Url(id), new { text = "first" }, HttpStatusCode.OK);
        Assert.Equal("second", (await anna.PutJsonAsync(Url(id), new { text = "second" }, HttpStatusCode.OK)).GetProperty("internalNote").GetString());
        // A customer's note leaves the internal note alone.
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var theirs = await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "ours" }, HttpStatusCode.OK);
        Assert.False(theirs.TryGetProperty("internalNote", out _));
        Assert.Equal("second", (await anna.OrderAsync(id)).GetProperty("internalNote").GetString());
        var removed = await anna.PutJsonAsync(Url(id), new { text = "" }, HttpStatusCode.OK);
        Assert.False(removed.TryGetProperty("internalNote", out _));
        Assert.Equal("Internal note removed.", removed.Events()[^1].GetProperty("reason").GetString());
        Assert.Equal("ours", removed.GetProperty("note").GetString());
    }

    /// <summary>Who may write the internal note of a Fabrikam order.</summary>
    public static TheoryData<string, HttpStatusCode> Writers => new()
    {
        { Demo.DistributorAdmin, HttpStatusCode.OK },
        { Demo.DistributorReadOnly, HttpStatusCode.Forbidden },
        { Demo.SellerAdmin, HttpStatusCode.OK },
        { Demo.AccountManager, HttpStatusCode.OK },
        { Demo.SubscriptionsManager, HttpStatusCode.OK },
        { Demo.SupportAgent, HttpStatusCode.Forbidden },
        { Demo.FabrikamAdmin, HttpStatusCode.Forbidden },
        { Demo.FabrikamCustomer, HttpStatusCode.Forbidden },
        { Demo.FabrikamBilling, HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task WhoMayWriteIt(string email, HttpStatusCode expected)
    {
        var id = await (await Anna()).CreateCartIdAsync(NewAcronis(1));
        var client = Demo.CustomerLevelUsers.Contains(email) ? await app.ClientAsync(email) : await app.ClientAsync(email, Demo.Fabrikam);
        var before = await app.SnapshotAsync(id);
        var response = await client.SendAsync(HttpMethod.Put, Url(id), new { text = $"by {email}" });
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal($"by {email}", (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("internalNote").GetString());
            Assert.Equal(before.Version + 1, (await app.SnapshotAsync(id)).Version);
        }
        else
        {
            await response.ProblemAsync(expected);
            Assert.Equal(before, await app.SnapshotAsync(id));
        }
    }

    [Fact]
    public async Task AnotherCustomersOrder_Is404_ForTheInternalNoteToo()
    {
        var litware = await app.ClientAsync(Demo.LitwareAdmin, Demo.Adatum);
        var adatumOrder = await litware.CreateCartIdAsync(NewSubscription(Data.DemoData.OfferIds.AcronisProtect, 1,
            contact: new { email = "it@adatum.example", firstName = "Ada", lastName = "Tum" }));
        var anna = await Anna();
        await (await anna.SendAsync(HttpMethod.Put, Url(adatumOrder), new { text = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await anna.SendAsync(HttpMethod.Put, Url(long.MaxValue), new { text = "x" })).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheNotesRules_Hold_LengthBodyAndIfMatch()
    {
        var anna = await Anna();
        var id = await anna.CreateCartIdAsync(NewAcronis(2));
        var longest = new string('n', 2000);
        Assert.Equal(longest, (await anna.PutJsonAsync(Url(id), new { text = longest }, HttpStatusCode.OK)).GetProperty("internalNote").GetString());
        var before = await app.SnapshotAsync(id);
        foreach (var body in new[] { $"{{\"text\": \"{longest}x\"}}", "{\"text\": \"a\\u0000b\"}", "{}", "{\"text\": 5}", "", "{\"txt\": \"a\"}" })
        {
            var response = await anna.PutAsync(Url(id), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode}");
        }
        var stale = await anna.SendAsync(HttpMethod.Put, Url(id), new { text = "late" }, ifMatch: $"\"{before.Version - 1}\"");
        await stale.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.SnapshotAsync(id));
        var current = await anna.SendAsync(HttpMethod.Put, Url(id), new { text = "on time" }, ifMatch: $"\"{before.Version}\"");
        Assert.Equal("on time", (await current.JsonAsync(HttpStatusCode.OK)).GetProperty("internalNote").GetString());
    }

    // ---- search ------------------------------------------------------------------------------

    [Fact]
    public async Task Search_FindsTheNotesEachUserMaySee()
    {
        var anna = await Anna();
        var id = await anna.CreateCartIdAsync(NewAcronis(2));
        await anna.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "Purchase order Kestrel-4471" }, HttpStatusCode.OK);
        await anna.PutJsonAsync(Url(id), new { text = "renewal risk: Marmot account" }, HttpStatusCode.OK);

        foreach (var email in Demo.SellerSideUsersOfFabrikam)
        {
            var client = await app.ClientAsync(email, Demo.Fabrikam);
            Assert.Equal([id], (await client.AllPagesAsync($"{All}&q=kestrel-44")).Select(r => r.Id()));
            Assert.Equal([id], (await client.AllPagesAsync($"{All}&q=MARMOT")).Select(r => r.Id()));
        }
        foreach (var email in Demo.CustomerLevelUsers)
        {
            var client = await app.ClientAsync(email);
            Assert.Equal([id], (await client.AllPagesAsync($"{All}&q=kestrel-44")).Select(r => r.Id()));
            Assert.Empty(await client.AllPagesAsync($"{All}&q=MARMOT"));
            Assert.Empty(await client.AllPagesAsync($"{All}&q=renewal%20risk"));
            var csv = await (await client.GetAsync($"{OrdersUrl}/export?{All}&q=marmot")).Content.ReadAsStringAsync();
            Assert.Single(csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the header alone
        }
    }

    [Fact]
    public async Task Search_HashNumber_FindsThatOrderOnly_ANumberAloneAlsoFindsItsMentions()
    {
        var anna = await Anna();
        var target = await anna.CreateCartIdAsync(NewAcronis(1));
        var mentions = await anna.CreateCartIdAsync(NewAcronis(2));
        await anna.PutJsonAsync($"{OrdersUrl}/{mentions}/note", new { text = $"follow-up of #{target}" }, HttpStatusCode.OK);
        var renamed = await anna.PostJsonAsync(OrdersUrl, new { name = $"Replaces #{target}", items = new[] { NewAcronis(3) } }, HttpStatusCode.Created);

        foreach (var client in new[] { anna, await app.ClientAsync(Demo.FabrikamAdmin) })
        {
            Assert.Equal([target], (await client.AllPagesAsync($"{All}&q=%23{target}")).Select(r => r.Id()));
            var plain = (await client.AllPagesAsync($"{All}&q={target}")).Select(r => r.Id()).ToList();
            Assert.Contains(target, plain);
            Assert.Contains(mentions, plain);
            Assert.Contains(renamed.Id(), plain);
        }
        Assert.Empty(await anna.AllPagesAsync($"{All}&q=%23{long.MaxValue}"));
    }
}

public sealed class OrderInternalNotesApiTestsOnSqlite(SqliteFactory app) : OrderInternalNotesApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderInternalNotesApiTestsOnPostgres(PostgresFactory app) : OrderInternalNotesApiTests(app), IClassFixture<PostgresFactory>;

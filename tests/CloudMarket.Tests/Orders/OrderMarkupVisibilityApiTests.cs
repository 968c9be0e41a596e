using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The markup rule (orders.md, product.md): customer-level users never see changeMarkup items — not in
/// lists, details, item counts, requested changes, totals, history or the CSV export — an order made
/// only of them does not exist for them (404), and they get no cost, markup or margin field at all.
/// Seller- and distributor-level users see everything. Uses the demo's "Markup review Q3" (markup only)
/// and the inProgress order that mixes a markup change with a quantity increase.
/// </summary>
public abstract class OrderMarkupVisibilityApiTests(CloudMarketFactory app)
{
    private const string MixedIncrease = "Increase licences: Exchange Online (Plan 1), 5 → 8";
    private const string MixedMarkup = "Markup change: Exchange Online (Plan 1), 20% → 25%";

    /// <summary>JSON properties that carry cost, markup or margin; none may reach a customer-level user.</summary>
    private static readonly string[] CostProperties =
        ["unitCost", "markupPercent", "previousMarkupPercent", "periodMargin", "vendorUnitCost", "distributorMarkupPercent", "margin", "vendorCost"];

    private static readonly string[] Lists =
        ["", "view=recent", "view=historical", "view=historical&state=draft", "view=historical&state=all", "q=markup", "q=review", "q=Exchange"];

    public static TheoryData<string> CustomerLevel => new(Demo.CustomerLevelUsers);
    public static TheoryData<string> SellerSide => new(Demo.SellerSideUsersOfFabrikam);

    private async Task<HttpClient> Client(string email) =>
        await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);

    private Task<long> MarkupOnlyAsync() => app.OrderNamedAsync("Markup review Q3");

    private Task<long> MixedAsync() => app.WithDbAsync(db => db.Orders
        .Where(o => o.CustomerId == Demo.Fabrikam && o.Status == OrderStatus.InProgress && !o.IsMarkupOnly)
        .OrderBy(o => o.Id).Select(o => o.Id).FirstAsync());

    private static void AssertNothingAboutMarkup(JsonElement json, string where)
    {
        foreach (var name in json.AllPropertyNames())
        {
            Assert.False(CostProperties.Contains(name), $"{where}: '{name}' must not be sent to a customer-level user");
            // "Cost" is the seller's cost; what a customer receives about their own prices is never called that.
            Assert.False(name.Contains("cost", StringComparison.OrdinalIgnoreCase), $"{where}: a customer-level user received a field named '{name}'");
        }
        foreach (var text in json.AllStrings())
            Assert.False(text.Contains("markup", StringComparison.OrdinalIgnoreCase), $"{where}: '{text}' reveals a markup change");
    }

    private static void AssertCustomerTotals(JsonElement totals, string where) =>
        Assert.All(totals.EnumerateArray(), t => Assert.True(t.EnumerateObject().Select(p => p.Name).Order().SequenceEqual(["billingCycle", "periodTotal", "termTotal"]),
            $"{where}: totals {totals} must hold only the customer's totals"));

    // ---- customer-level ---------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task CustomerLevel_Lists_LeaveMarkupItemsAndTheMarkupOnlyOrderOut(string email)
    {
        var client = await Client(email);
        var markupOnly = await MarkupOnlyAsync();
        var mixed = await MixedAsync();
        foreach (var query in Lists)
        {
            var page = await client.GetJsonAsync($"{OrdersUrl}?limit=200&{query}");
            AssertNothingAboutMarkup(page, $"GET orders?{query}");
            var rows = page.GetProperty("items").EnumerateArray().ToList();
            Assert.DoesNotContain(rows, r => r.Id() == markupOnly);
            foreach (var row in rows.Where(r => r.Id() == mixed))
            {
                Assert.Equal(1, row.GetProperty("itemCount").GetInt32());
                Assert.Equal([MixedIncrease], row.GetProperty("requestedChanges").Strings());
                if (row.TryGetProperty("details", out var details))
                {
                    Assert.Equal([MixedIncrease], details.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("description").GetString()));
                    AssertCustomerTotals(details.GetProperty("totals"), "details.totals");
                }
            }
        }
        Assert.Contains(await client.AllPagesAsync("view=historical"), r => r.Id() == mixed);
        Assert.DoesNotContain(await client.AllPagesAsync($"view=historical&state=all&q={markupOnly}"), r => r.Id() == markupOnly);
        Assert.DoesNotContain(await client.AllPagesAsync($"view=historical&state=all&q=%23{markupOnly}"), r => r.Id() == markupOnly);
        Assert.Empty(await client.AllPagesAsync("view=historical&state=all&q=Markup%20review"));
    }

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task CustomerLevel_DetailOfTheMixedOrder_HasOnlyTheQuantityChange_AndNoCostFields(string email)
    {
        var client = await Client(email);
        var detail = await client.OrderAsync(await MixedAsync());
        AssertNothingAboutMarkup(detail, "order detail");
        Assert.Equal(1, detail.GetProperty("itemCount").GetInt32());
        Assert.Equal([MixedIncrease], detail.GetProperty("requestedChanges").Strings());
        var item = Assert.Single(detail.Items());
        Assert.Equal("increaseQuantity", item.GetProperty("kind").GetString());
        Assert.Equal(["periodPrice", "termPrice", "unitPrice"], item.GetProperty("prices").EnumerateObject().Select(p => p.Name).Order());
        AssertCustomerTotals(detail.GetProperty("totals"), "totals");
        // The history keeps the transitions but not the markup item's addition.
        Assert.Equal(["→started", "started→inProgress"], detail.Transitions());
        Assert.Single(detail.Events(), e => e.GetProperty("reason").GetString()!.StartsWith("Item added"));
    }

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task CustomerLevel_TheMarkupOnlyOrder_Is404ForEveryEndpoint_AndStaysUnchanged(string email)
    {
        var client = await Client(email);
        var id = await MarkupOnlyAsync();
        var before = await app.SnapshotAsync(id);
        var itemId = (await (await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam)).OrderAsync(id)).ItemId(0);
        var calls = new (string What, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("GET", () => client.GetAsync($"{OrdersUrl}/{id}")),
            ("PUT note", () => client.NoteAsync(id, "hello")),
            ("PATCH", () => client.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { name = "x" })),
            ("POST items", () => client.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", AutoRenew(DemoData.SubscriptionIds.FabrikamE3, false))),
            ("PUT item", () => client.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/items/{itemId}", AutoRenew(DemoData.SubscriptionIds.FabrikamE3, false))),
            ("DELETE item", () => client.DeleteAsync($"{OrdersUrl}/{id}/items/{itemId}")),
            ("DELETE", () => client.DeleteAsync($"{OrdersUrl}/{id}")),
            ("place", () => client.PlaceAsync(id, idempotencyKey: Guid.NewGuid().ToString())),
            ("draft", () => client.ActAsync(id, "draft")),
            ("resume", () => client.ActAsync(id, "resume")),
            ("retry", () => client.ActAsync(id, "retry")),
            ("close", () => client.ActAsync(id, "close")),
        };
        foreach (var (what, call) in calls)
        {
            var response = await call();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("markup", body, StringComparison.OrdinalIgnoreCase);
        }
        // Same answer as an order that does not exist at all: nothing tells the two apart.
        var missing = await client.GetAsync($"{OrdersUrl}/987654321");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task CustomerLevel_CsvExport_LeavesMarkupOut(string email)
    {
        var client = await Client(email);
        var markupOnly = await MarkupOnlyAsync();
        var mixed = await MixedAsync();
        foreach (var query in new[] { "", "view=historical", "view=historical&state=all", "view=historical&state=all&q=markup" })
        {
            var response = await client.GetAsync($"{OrdersUrl}/export?{query}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            var csv = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("markup", csv, StringComparison.OrdinalIgnoreCase);
            var ids = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();
            Assert.DoesNotContain(markupOnly.ToString(), ids);
            var listed = await client.AllPagesAsync(query);
            Assert.Equal(listed.Select(r => r.Id().ToString()), ids); // the same rows as the list
        }
        var all = await (await client.GetAsync($"{OrdersUrl}/export?view=historical&state=all")).Content.ReadAsStringAsync();
        var mixedLine = all.Split('\n').Single(l => l.StartsWith(mixed + ","));
        Assert.Contains($",1,\"{MixedIncrease}\",", mixedLine); // quoted: the line holds a comma
    }

    [Theory]
    [MemberData(nameof(CustomerLevel))]
    public async Task CustomerLevel_SubscriptionHistory_LeavesTheMarkupOnlyOrderOut(string email)
    {
        var client = await Client(email);
        var detail = await client.GetJsonAsync($"/api/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}");
        var orders = detail.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64()).ToList();
        Assert.DoesNotContain(await MarkupOnlyAsync(), orders);
        Assert.NotEmpty(orders);
        AssertNothingAboutMarkup(detail.GetProperty("orders"), "subscription orders");
    }

    [Theory]
    [InlineData(Demo.FabrikamAdmin)]
    [InlineData(Demo.FabrikamCustomer)]
    public async Task CustomerLevel_CannotSeeOrTouchAMarkupItemOfAMixedOrder(string email)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 20), Markup(DemoData.SubscriptionIds.FabrikamExchange, 22));
        var id = order.Id();
        var markupItem = order.ItemOfKind("changeMarkup").GetProperty("id").GetGuid();
        var client = await Client(email);
        var before = await app.SnapshotAsync(id);

        var asCustomer = await client.OrderAsync(id);
        AssertNothingAboutMarkup(asCustomer, "cart detail");
        Assert.Equal(1, asCustomer.GetProperty("itemCount").GetInt32());
        await (await client.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/items/{markupItem}", AutoRenew(DemoData.SubscriptionIds.FabrikamE3, false)))
            .ProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"{OrdersUrl}/{id}/items/{markupItem}")).ProblemAsync(HttpStatusCode.NotFound);
        // Placing it is for the seller; the answer does not reveal what the hidden item is.
        var problem = await (await client.PlaceAsync(id)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("order", problem.ErrorFields());
        AssertNothingAboutMarkup(problem.GetProperty("errors"), "place errors");
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Theory]
    [InlineData(Demo.FabrikamAdmin)]
    [InlineData(Demo.FabrikamCustomer)]
    public async Task CustomerLevel_RemovingTheLastItemTheyCanSee_FromAMixedCart_Is409_AndChangesNothing(string email)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 21), Markup(DemoData.SubscriptionIds.FabrikamExchange, 24));
        var visibleItem = order.ItemOfKind("increaseQuantity").GetProperty("id").GetGuid();
        var before = await app.SnapshotAsync(order.Id());

        var problem = await (await (await Client(email)).DeleteAsync($"{OrdersUrl}/{order.Id()}/items/{visibleItem}")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("last item", problem.GetProperty("detail").GetString());
        AssertNothingAboutMarkup(problem, "refused removal");
        Assert.Equal(before, await app.SnapshotAsync(order.Id()));
        Assert.Equal(2, (await anna.OrderAsync(order.Id())).Items().Count);

        // The seller may remove it: the order becomes markup-only, theirs to place.
        var after = await anna.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{order.Id()}/items/{visibleItem}");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        await (await (await Client(email)).GetAsync($"{OrdersUrl}/{order.Id()}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_ByAnOfferNameOnlyInAMarkupItem_FindsTheOrderForTheSeller_NotForTheCustomer()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 26), Markup(DemoData.SubscriptionIds.FabrikamExchange, 27));
        const string query = "view=historical&state=all&q=exchange online";

        Assert.Contains(id, (await anna.AllPagesAsync(query)).Select(o => o.Id()));
        foreach (var email in Demo.CustomerLevelUsers)
        {
            var rows = await (await Client(email)).AllPagesAsync(query);
            Assert.DoesNotContain(id, rows.Select(o => o.Id()));
        }
    }

    [Fact]
    public async Task AnItemChangedIntoAMarkupChange_IsNotRevealedInTheCustomersHistory()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 25), AutoRenew(DemoData.SubscriptionIds.FabrikamExchange, false));
        var changed = await anna.PutJsonAsync($"{OrdersUrl}/{order.Id()}/items/{order.ItemId(1)}",
            Markup(DemoData.SubscriptionIds.FabrikamExchange, 23), HttpStatusCode.OK);
        Assert.Contains(changed.Events(), e => e.GetProperty("reason").GetString()!.Contains("Markup change"));
        await (await app.ClientAsync(Demo.FabrikamAdmin)).PutJsonAsync($"{OrdersUrl}/{order.Id()}/note", new { text = "ok" }, HttpStatusCode.OK);

        foreach (var email in Demo.CustomerLevelUsers)
        {
            var detail = await (await Client(email)).OrderAsync(order.Id());
            AssertNothingAboutMarkup(detail, $"{email}: detail after an item became a markup change");
            Assert.Equal(1, detail.GetProperty("itemCount").GetInt32());
        }
    }

    [Fact]
    public async Task ARejectedMarkupItem_IsNotRevealedInTheCustomersHistory()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 26), Markup(DemoData.SubscriptionIds.FabrikamExchange, 24));
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, true, false); // the quantity change succeeds, the markup change is rejected
        var seller = await anna.OrderAsync(id);
        Assert.Equal("provisioningFailed", seller.Status());
        Assert.Contains(seller.Events(), e => e.GetProperty("reason").GetString()!.Contains("Markup change: Exchange Online (Plan 1)"));

        foreach (var email in Demo.CustomerLevelUsers)
        {
            var detail = await (await Client(email)).OrderAsync(id);
            AssertNothingAboutMarkup(detail, email);
            Assert.Equal(1, detail.GetProperty("itemCount").GetInt32());
            // Exchange Online is only in the hidden markup item: no event may name it or count it.
            foreach (var e in detail.Events())
            {
                var reason = e.GetProperty("reason").GetString()!;
                Assert.DoesNotContain("Exchange Online", reason);
                Assert.DoesNotContain("of 2 items", reason);
            }
        }
    }

    /// <summary>Everything a customer-level user receives about an order: detail (body and ETag), list rows, CSV line, the pages' live status.</summary>
    private async Task<List<string>> WhatTheCustomerReceivesAsync(string email, long id, HttpClient? page)
    {
        var client = await Client(email);
        var response = await client.GetAsync($"{OrdersUrl}/{id}");
        var seen = new List<string> { $"ETag {response.Headers.ETag}", await response.Content.ReadAsStringAsync() };
        foreach (var query in new[] { "view=recent", "view=historical&state=all" })
            seen.Add((await client.AllPagesAsync(query)).Single(r => r.Id() == id).GetRawText());
        var csv = await (await client.GetAsync($"{OrdersUrl}/export?view=historical&state=all")).Content.ReadAsStringAsync();
        seen.Add(csv.Split('\n').Single(l => l.StartsWith(id + ",")));
        if (page is not null)
            seen.Add(await page.GetStringAsync($"/orders/live?ids={id}"));
        return seen;
    }

    [Fact]
    public async Task ASellerEditingOnlyMarkupItems_ChangesNothingACustomerLevelUserReceives_NotEvenTheETag()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var cart = await anna.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 28), Markup(DemoData.SubscriptionIds.FabrikamExchange, 22));
        var id = cart.Id();
        var markupItem = cart.ItemOfKind("changeMarkup").GetProperty("id").GetGuid();
        var idaPage = await app.PageClientAsync(Demo.FabrikamAdmin);
        var before = new Dictionary<string, List<string>>();
        foreach (var email in Demo.CustomerLevelUsers)
            before[email] = await WhatTheCustomerReceivesAsync(email, id, email == Demo.FabrikamAdmin ? idaPage : null);
        var idaETag = (await (await app.ClientAsync(Demo.FabrikamAdmin)).GetAsync($"{OrdersUrl}/{id}")).Headers.ETag!.Tag;

        // The seller changes the markup item, adds another and removes it again: three changes only they see.
        var sellerVersion = cart.Version();
        await anna.PutJsonAsync($"{OrdersUrl}/{id}/items/{markupItem}", Markup(DemoData.SubscriptionIds.FabrikamExchange, 30), HttpStatusCode.OK);
        var added = await anna.PostJsonAsync($"{OrdersUrl}/{id}/items", Markup(DemoData.SubscriptionIds.FabrikamAcronis, 18), HttpStatusCode.OK);
        var removed = await anna.DeleteJsonAsync($"{OrdersUrl}/{id}/items/{added.Items().Single(i => i.GetProperty("subscriptionId").GetGuid() == DemoData.SubscriptionIds.FabrikamAcronis).GetProperty("id").GetGuid()}", HttpStatusCode.OK);
        Assert.Equal(sellerVersion + 3, removed.Version());

        foreach (var email in Demo.CustomerLevelUsers)
            Assert.Equal(before[email], await WhatTheCustomerReceivesAsync(email, id, email == Demo.FabrikamAdmin ? idaPage : null));

        // Nothing they could see changed, so the customer's conditional change goes through...
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var noted = await (await ida.NoteAsync(id, "checked", ifMatch: idaETag)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(int.Parse(idaETag.Trim('"')) + 1, noted.Version());
        // ...and a change they can see moves their version, and makes their old ETag stale.
        await (await ida.NoteAsync(id, "again", ifMatch: idaETag)).ProblemAsync(HttpStatusCode.Conflict);
        var sellerSees = await anna.OrderAsync(id);
        Assert.Equal(removed.Version() + 1, sellerSees.Version());
        Assert.NotEqual(noted.Version(), sellerSees.Version());
    }

    [Fact]
    public async Task AnItemTurnedIntoAMarkupChange_MovesTheCustomersVersion_SinceTheirViewOfTheOrderChanged()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var cart = await anna.CreateCartAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 27), AutoRenew(DemoData.SubscriptionIds.FabrikamExchange, false));
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var before = await ida.OrderAsync(cart.Id());
        Assert.Equal(2, before.GetProperty("itemCount").GetInt32());

        await anna.PutJsonAsync($"{OrdersUrl}/{cart.Id()}/items/{cart.ItemId(1)}", Markup(DemoData.SubscriptionIds.FabrikamExchange, 21), HttpStatusCode.OK);
        var after = await ida.OrderAsync(cart.Id());
        Assert.Equal(1, after.GetProperty("itemCount").GetInt32());
        Assert.Equal(before.Version() + 1, after.Version());
        Assert.True(after.GetProperty("updatedAt").GetDateTime() > before.GetProperty("updatedAt").GetDateTime());
    }

    // ---- seller side -----------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(SellerSide))]
    public async Task SellerSide_SeesTheMarkupOnlyOrder_InListDetailSearchAndCsv(string email)
    {
        var client = await Client(email);
        var markupOnly = await MarkupOnlyAsync();
        var row = (await client.AllPagesAsync("view=historical")).Single(r => r.Id() == markupOnly);
        Assert.Equal(["Markup change: Microsoft 365 E3, 20% → 15%"], row.GetProperty("requestedChanges").Strings());
        Assert.Equal(1, row.GetProperty("itemCount").GetInt32());
        Assert.Contains(await client.AllPagesAsync("view=historical&state=all&q=Markup%20review"), r => r.Id() == markupOnly);

        var detail = await client.OrderAsync(markupOnly);
        var item = Assert.Single(detail.Items());
        Assert.Equal("changeMarkup", item.GetProperty("kind").GetString());
        Assert.Equal(15m, item.GetProperty("markupPercent").GetDecimal());
        Assert.Equal(20m, item.GetProperty("previousMarkupPercent").GetDecimal()); // bought at Contoso's default

        var csv = await (await client.GetAsync($"{OrdersUrl}/export?view=historical")).Content.ReadAsStringAsync();
        Assert.Contains(csv.Split('\n'), l => l.StartsWith(markupOnly + ",") && l.Contains("Markup change: Microsoft 365 E3, 20% → 15%"));
    }

    [Theory]
    [MemberData(nameof(SellerSide))]
    public async Task SellerSide_SeesBothItemsOfTheMixedOrder_WithCostMarkupAndMargin(string email)
    {
        var client = await Client(email);
        var mixed = await MixedAsync();
        var row = (await client.AllPagesAsync("view=historical")).Single(r => r.Id() == mixed);
        Assert.Equal(2, row.GetProperty("itemCount").GetInt32());
        Assert.Equal([MixedMarkup, MixedIncrease], row.GetProperty("requestedChanges").Strings());

        var detail = await client.OrderAsync(mixed);
        Assert.Equal(2, detail.GetProperty("itemCount").GetInt32());
        Assert.Contains(detail.Events(), e => e.GetProperty("reason").GetString() == $"Item added: {MixedMarkup}");
        var increase = detail.ItemOfKind("increaseQuantity");
        var prices = increase.GetProperty("prices");
        // Exchange Online Plan 1, annual: 12 × 3.60 = 43.20 vendor → +10% = 47.52 seller price → +20% = 57.02 customer price; +3 licences.
        Assert.Equal(47.52m, prices.GetProperty("unitCost").GetProperty("amount").GetDecimal());
        Assert.Equal(20m, prices.GetProperty("markupPercent").GetDecimal());
        Assert.Equal(57.02m, prices.GetProperty("unitPrice").GetProperty("amount").GetDecimal());
        Assert.Equal(28.50m, prices.GetProperty("periodMargin").GetProperty("amount").GetDecimal());
        var totals = Assert.Single(detail.GetProperty("totals").EnumerateArray());
        Assert.Equal("annual", totals.GetProperty("billingCycle").GetString());
        Assert.Equal(3 * 47.52m, totals.GetProperty("periodCost").GetProperty("amount").GetDecimal());
        Assert.Equal(28.50m, totals.GetProperty("periodMargin").GetProperty("amount").GetDecimal());
        var markup = detail.ItemOfKind("changeMarkup");
        Assert.Equal(25m, markup.GetProperty("markupPercent").GetDecimal());

        var distributor = email.EndsWith("@northwind.example");
        Assert.Equal(distributor, prices.TryGetProperty("vendorUnitCost", out var vendor));
        Assert.Equal(distributor, prices.TryGetProperty("distributorMarkupPercent", out _));
        if (distributor) Assert.Equal(43.20m, vendor.GetProperty("amount").GetDecimal());
    }
}

public sealed class OrderMarkupVisibilityApiTestsOnSqlite(SqliteFactory app) : OrderMarkupVisibilityApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderMarkupVisibilityApiTestsOnPostgres(PostgresFactory app) : OrderMarkupVisibilityApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using System.Text.Json;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The order note (orders.md, column 6; api.md PUT /api/v1/orders/{id}/note): any user who can see the
/// order, except the read-only roles, may set it, in any status; the change is in the history; at most
/// 2000 characters.
/// </summary>
public abstract class OrderNotesApiTests(CloudMarketFactory app)
{
    [Fact]
    public async Task PuttingANote_ChangesIt_ShowsItInListAndDetail_AndRecordsIt()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        var before = await app.SnapshotAsync(id);

        var order = await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "  PO 5521, ask Bea  " }, HttpStatusCode.OK);
        Assert.Equal("PO 5521, ask Bea", order.GetProperty("note").GetString());
        Assert.Equal(before.Version + 1, order.Version());
        var e = order.Events()[^1];
        Assert.Equal("Note: PO 5521, ask Bea", e.GetProperty("reason").GetString());
        Assert.Equal(("started", "started"), (e.GetProperty("from").GetString(), e.GetProperty("to").GetString()));
        Assert.Equal("Ida Lund", e.GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal("PO 5521, ask Bea", (await ida.OrderAsync(id)).GetProperty("note").GetString());
        Assert.Equal("PO 5521, ask Bea", (await ida.AllPagesAsync()).Single(r => r.Id() == id).GetProperty("note").GetString());

        var changed = await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "PO 5522" }, HttpStatusCode.OK);
        Assert.Equal("PO 5522", changed.GetProperty("note").GetString());

        var removed = await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "" }, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("note").ValueKind);
        Assert.Equal("Note removed.", removed.Events()[^1].GetProperty("reason").GetString());
        Assert.Equal(before.EventCount + 3, removed.Events().Count);
    }

    [Fact]
    public async Task ANoteOfAtMost2000Characters_IsAccepted_AndALongerOneIs400WithNothingChanged()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        var longest = string.Concat(Enumerable.Repeat("ÆØÅ€ 12345", 200));
        Assert.Equal(2000, longest.Length);
        Assert.Equal(longest, (await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = longest }, HttpStatusCode.OK)).GetProperty("note").GetString());

        var before = await app.SnapshotAsync(id);
        foreach (var text in new[] { longest + "x", new string('a', 100_000) })
        {
            var problem = await (await ida.NoteAsync(id, text)).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["text"], problem.ErrorFields());
            Assert.Equal(before, await app.SnapshotAsync(id));
        }
    }

    [Fact]
    public async Task ANoteRequestWithoutABody_OrNotJson_Is400()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        var before = await app.SnapshotAsync(id);
        foreach (var body in new[] { "", "null", "{\"text\": 42}", "{\"text\": [\"a\"]}", "{text: 'x'}", "\"just a string\"" })
        {
            var response = await ida.PutAsync($"{OrdersUrl}/{id}/note", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode}");
        }
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Fact]
    public async Task ANoteBodyWithoutTheTextField_OrWithAMisspeltField_Is400AndKeepsTheNote()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "PO 7001" }, HttpStatusCode.OK);
        var before = await app.SnapshotAsync(id);
        foreach (var (body, field) in new[] { ("{}", "text"), ("{\"txt\": \"PO 7002\"}", "txt"), ("{\"Note\": null}", "Note"), ("{\"text\": \"PO 7003\", \"extra\": 1}", "extra") })
        {
            var response = await ida.PutAsync($"{OrdersUrl}/{id}/note", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal([field], problem.ErrorFields());
            Assert.Equal(before, await app.SnapshotAsync(id));
        }
        Assert.Equal("PO 7001", (await ida.OrderAsync(id)).GetProperty("note").GetString());
    }

    [Fact]
    public async Task ANullText_RemovesTheNote_Explicitly()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "PO 7010" }, HttpStatusCode.OK);
        var response = await ida.PutAsync($"{OrdersUrl}/{id}/note", new StringContent("{\"text\": null}", System.Text.Encoding.UTF8, "application/json"));
        var removed = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("note").ValueKind);
        Assert.Equal("Note removed.", removed.Events()[^1].GetProperty("reason").GetString());
    }

    /// <summary>Who may write a note on a Fabrikam order (orders.md; docs/orders.md "What each role sees").</summary>
    public static TheoryData<string, HttpStatusCode> Writers => new()
    {
        { Demo.DistributorAdmin, HttpStatusCode.OK },
        { Demo.DistributorReadOnly, HttpStatusCode.Forbidden },
        { Demo.SellerAdmin, HttpStatusCode.OK },
        { Demo.AccountManager, HttpStatusCode.OK },
        { Demo.SubscriptionsManager, HttpStatusCode.OK },
        { Demo.SupportAgent, HttpStatusCode.Forbidden },
        { Demo.FabrikamAdmin, HttpStatusCode.OK },
        { Demo.FabrikamCustomer, HttpStatusCode.OK },
        { Demo.FabrikamBilling, HttpStatusCode.OK },
        { Demo.LitwareAdmin, HttpStatusCode.NotFound },
        { Demo.TailspinAdmin, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task WhoMayWriteNotes(string email, HttpStatusCode expected)
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(id);
        var client = await app.ClientAsync(email, email.EndsWith("@fabrikam.example") || email.EndsWith("@tailspin.example") ? null : Demo.Fabrikam);

        var response = await client.NoteAsync(id, $"note by {email}");
        if (expected == HttpStatusCode.OK)
        {
            var order = await response.JsonAsync(HttpStatusCode.OK);
            Assert.Equal($"note by {email}", order.GetProperty("note").GetString());
            Assert.Contains("editNote", order.GetProperty("actions").Strings());
        }
        else
        {
            await response.ProblemAsync(expected);
            Assert.Equal(before, await app.SnapshotAsync(id));
            if (expected == HttpStatusCode.Forbidden)
                Assert.DoesNotContain("editNote", (await client.OrderAsync(id)).GetProperty("actions").Strings());
        }
    }

    public static TheoryData<OrderStatus> Statuses => new(Enum.GetValues<OrderStatus>());

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task NotesCanBeWritten_InEveryStatus(OrderStatus status)
    {
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await app.DemoOrderAsync(Demo.Fabrikam, status);
        var before = await app.SnapshotAsync(id);
        var order = await felix.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = $"checked in {status}" }, HttpStatusCode.OK);
        Assert.Equal(before.Status, (await app.SnapshotAsync(id)).Status);
        var e = order.Events()[^1];
        Assert.Equal($"Note: checked in {status}", e.GetProperty("reason").GetString());
        Assert.Equal(e.GetProperty("from").GetString(), e.GetProperty("to").GetString());
        Assert.Equal(before.Items, (await app.SnapshotAsync(id)).Items);
    }

    [Fact]
    public async Task NotesInTheCsvExport_AreQuoted_AndNeverRunAsFormulas()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(3));
        await ida.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = "=HYPERLINK(\"http://evil.example\",\"click\")" }, HttpStatusCode.OK);
        var csv = await (await ida.GetAsync($"{OrdersUrl}/export")).Content.ReadAsStringAsync();
        var line = csv.Split('\n').Single(l => l.StartsWith(id + ","));
        Assert.EndsWith(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"", line.TrimEnd('\r'));
    }
}

public sealed class OrderNotesApiTestsOnSqlite(SqliteFactory app) : OrderNotesApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderNotesApiTestsOnPostgres(PostgresFactory app) : OrderNotesApiTests(app), IClassFixture<PostgresFactory>;

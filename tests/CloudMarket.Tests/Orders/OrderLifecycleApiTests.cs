using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The lifecycle over HTTP (orders.md, Lifecycle): every transition a client can make answers with the
/// order in its new status and records an event (from, to, when, who, why); every other action in
/// every status answers 409 problem details and leaves the order exactly as it was.
/// </summary>
public abstract class OrderLifecycleApiTests(CloudMarketFactory app)
{
    private static readonly Guid Exchange = DemoData.SubscriptionIds.FabrikamExchange;

    [Fact]
    public async Task Cart_Draft_Resume_Draft_Place_EachTransitionAnswersAndIsRecorded()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var before = DateTime.UtcNow.AddSeconds(-1);
        var cart = await ida.CreateCartAsync(NewAcronis(2));
        var id = cart.Id();
        Assert.Equal("started", cart.Status());

        var draft = await (await ida.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("draft", draft.Status());
        var resumed = await (await ida.ActAsync(id, "resume")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("started", resumed.Status());
        Assert.Equal("draft", (await (await ida.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK)).Status());
        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("inProgress", placed.Status());
        var after = DateTime.UtcNow.AddSeconds(1);

        // The response is the order as GET returns it.
        var read = await ida.OrderAsync(id);
        Assert.Equal(placed.GetRawText(), read.GetRawText());
        Assert.Equal(["→started", "started→draft", "draft→started", "started→draft", "draft→inProgress"], read.Transitions());
        foreach (var e in read.Events())
        {
            var at = e.GetProperty("at").GetDateTime();
            Assert.InRange(at, before, after);
            Assert.Equal(DateTimeKind.Utc, at.Kind);
            Assert.Equal("Ida Lund", e.GetProperty("actor").GetProperty("name").GetString());
            Assert.Equal("Fabrikam Ltd", e.GetProperty("actor").GetProperty("organizationName").GetString());
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString()));
        }
        Assert.Equal(read.GetProperty("placedAt").GetDateTime(), read.GetProperty("date").GetDateTime());
        Assert.Equal(1, await app.JobCountAsync(id));
    }

    [Fact]
    public async Task PlaceFromStarted_Answers202InProgress_AndQueuesOneProvisioningJob()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(Demo.FabrikamE3, 40));
        var response = await anna.PlaceAsync(id);
        var placed = await response.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("inProgress", placed.Status());
        Assert.Equal($"\"{placed.Version()}\"", response.Headers.ETag?.ToString());
        Assert.Equal("started→inProgress", placed.Transitions()[^1]);
        var placedEvent = placed.Events()[^1];
        Assert.Equal("Anna Berg", placedEvent.GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal("Contoso Cloud", placedEvent.GetProperty("actor").GetProperty("organizationName").GetString());
        Assert.Equal(1, await app.JobCountAsync(id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Delete_OfACartOrADraft_MakesItDeleted_AndKeepsItForTheRecord(bool draftFirst)
    {
        var ida = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await ida.CreateCartIdAsync(AutoRenew(Demo.FabrikamE3, false));
        if (draftFirst) await (await ida.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);

        var deleted = await ida.DeleteJsonAsync($"{OrdersUrl}/{id}", HttpStatusCode.OK);
        Assert.Equal("deleted", deleted.Status());
        Assert.Equal(draftFirst ? "draft→deleted" : "started→deleted", deleted.Transitions()[^1]);
        Assert.Equal("deleted", (await ida.OrderAsync(id)).Status());
        Assert.Equal(0, await app.JobCountAsync(id));
    }

    [Fact]
    public async Task Retry_OfAProvisioningFailedOrder_GoesBackToProvisioningStarted_WithANewJob()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(NewAcronis(4), Increase(Exchange, 30));
        await (await anna.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, false, true);
        Assert.Equal("provisioningFailed", (await anna.OrderAsync(id)).Status());

        var retried = await (await anna.ActAsync(id, "retry")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("provisioningStarted", retried.Status());
        Assert.Equal("provisioningFailed→provisioningStarted", retried.Transitions()[^1]);
        Assert.Equal("Anna Berg", retried.Events()[^1].GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal(["pending", "provisioningFinished"], retried.Items().Select(i => i.GetProperty("provisioningStatus").GetString()));
        Assert.Equal(2, await app.JobCountAsync(id));
        // The worker's answers are recorded as the system.
        Assert.Contains(retried.Events(), e => e.GetProperty("actor").ValueKind == JsonValueKind.String && e.GetProperty("actor").GetString() == "system"
                                             && e.GetProperty("to").GetString() == "provisioningFailed");
    }

    [Theory]
    [InlineData(new[] { true, false }, "completedWithErrors")]
    [InlineData(new[] { false, false }, "failed")]
    public async Task Close_OfAProvisioningFailedOrder_EndsCompletedWithErrorsOrFailed(bool[] outcomes, string expected)
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(5), NewE3(2));
        await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        await app.ProvisionAsync(id, outcomes);

        var closed = await (await ida.ActAsync(id, "close")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(expected, closed.Status());
        Assert.Equal($"provisioningFailed→{expected}", closed.Transitions()[^1]);
        Assert.Equal("Ida Lund", closed.Events()[^1].GetProperty("actor").GetProperty("name").GetString());
        // Final: nothing more is allowed but the note.
        Assert.Equal(["editNote"], closed.GetProperty("actions").Strings());
        await (await ida.ActAsync(id, "close")).ProblemAsync(HttpStatusCode.Conflict);
    }

    /// <summary>The client actions and the statuses each is allowed from (orders.md).</summary>
    private static readonly Dictionary<string, OrderStatus[]> ActionAllowedFrom = new()
    {
        ["place"] = [OrderStatus.Started, OrderStatus.Draft],
        ["placeWithKey"] = [OrderStatus.Started, OrderStatus.Draft],
        ["draft"] = [OrderStatus.Started],
        ["resume"] = [OrderStatus.Draft],
        ["delete"] = [OrderStatus.Started, OrderStatus.Draft],
        ["retry"] = [OrderStatus.ProvisioningFailed],
        ["close"] = [OrderStatus.ProvisioningFailed],
        ["addItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["changeItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["removeItem"] = [OrderStatus.Started, OrderStatus.Draft],
        ["rename"] = [OrderStatus.Started, OrderStatus.Draft],
        ["schedule"] = [OrderStatus.Started, OrderStatus.Draft],
        ["cancel"] = [OrderStatus.Scheduled, OrderStatus.PendingApproval],
        ["approve"] = [OrderStatus.PendingApproval],
        ["reject"] = [OrderStatus.PendingApproval],
    };

    public static TheoryData<OrderStatus> Statuses => new(Enum.GetValues<OrderStatus>());

    /// <summary>
    /// Every demo status of Fabrikam × every client action its status does not allow → 409, and the order
    /// (status, version and ETag, items, events, jobs) unchanged, as the database and GET both show.
    /// </summary>
    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task EveryRefusedAction_Answers409_AndLeavesTheOrderUnchanged(OrderStatus status)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await app.DemoOrderAsync(Demo.Fabrikam, status);
        var failures = new List<string>();
        foreach (var (action, allowed) in ActionAllowedFrom.Where(a => !a.Value.Contains(status)))
        {
            var before = await app.SnapshotAsync(id);
            var read = await anna.GetAsync($"{OrdersUrl}/{id}");
            var etag = read.Headers.ETag?.ToString();
            var readBody = await read.Content.ReadAsStringAsync();
            var itemId = JsonDocument.Parse(readBody).RootElement.ItemId(0);

            var response = action switch
            {
                "place" => await anna.PlaceAsync(id),
                "placeWithKey" => await anna.PlaceAsync(id, idempotencyKey: $"refused-{Guid.NewGuid()}"),
                "delete" => await anna.DeleteAsync($"{OrdersUrl}/{id}"),
                "addItem" => await anna.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", AutoRenew(Demo.FabrikamE3, false)),
                "changeItem" => await anna.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/items/{itemId}", Increase(Demo.FabrikamE3, 60)),
                "removeItem" => await anna.DeleteAsync($"{OrdersUrl}/{id}/items/{itemId}"),
                "rename" => await anna.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { name = "Renamed" }),
                "schedule" => await anna.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/schedule", new { when = "now" }),
                "approve" => await anna.ActAsync(id, "approve", body: new { comment = "Fine." }),
                "reject" => await anna.ActAsync(id, "reject", body: new { reason = "No." }),
                _ => await anna.ActAsync(id, action),
            };
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Conflict)
                failures.Add($"{action} on {status}: expected 409, got {(int)response.StatusCode} {body}");
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{action} on {status}: 409 without problem details");

            var after = await app.SnapshotAsync(id);
            if (after != before) failures.Add($"{action} on {status} changed the order:\n  {before}\n  {after}");
            var reread = await anna.GetAsync($"{OrdersUrl}/{id}");
            if (reread.Headers.ETag?.ToString() != etag || await reread.Content.ReadAsStringAsync() != readBody)
                failures.Add($"{action} on {status}: GET answers differently after the refusal");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task AnOrderPlacedTwiceWithoutKey_IsARefusedTransition()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        var before = await app.SnapshotAsync(id);
        await (await ida.PlaceAsync(id)).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.SnapshotAsync(id));
        Assert.Equal(1, before.Jobs);
    }

    [Fact]
    public async Task Actions_ListWhatTheViewerMayDoInEachStatus()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        async Task<string[]> Actions(OrderStatus s) =>
            (await anna.OrderAsync(await app.DemoOrderAsync(Demo.Fabrikam, s))).GetProperty("actions").Strings().Order().ToArray();
        Assert.Equal(new[] { "delete", "edit", "editNote", "place", "saveAsDraft" }, await Actions(OrderStatus.Started));
        Assert.Equal(new[] { "delete", "edit", "editNote", "place", "resume" }, await Actions(OrderStatus.Draft));
        Assert.Equal(new[] { "close", "editNote", "retry" }, await Actions(OrderStatus.ProvisioningFailed));
        foreach (var s in new[] { OrderStatus.Deleted, OrderStatus.InProgress, OrderStatus.ProvisioningStarted, OrderStatus.ProvisioningFinished,
                     OrderStatus.Completed, OrderStatus.CompletedWithErrors, OrderStatus.Failed })
            Assert.Equal(new[] { "editNote" }, await Actions(s));
        var support = await app.ClientAsync(Demo.SupportAgent, Demo.Fabrikam);
        Assert.Empty((await support.OrderAsync(await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.Started))).GetProperty("actions").Strings());
    }
}

public sealed class OrderLifecycleApiTestsOnSqlite(SqliteFactory app) : OrderLifecycleApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderLifecycleApiTestsOnPostgres(PostgresFactory app) : OrderLifecycleApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;

namespace CloudMarket.Tests.Workspace;

/// <summary>
/// POST /api/v1/attention/approve (api.md "Workspace"): the approvers' bulk action of Needs attention, over the
/// demo's order held by "Big orders by customers" (Felix's, Fabrikam). A fixture of its own: the tests approve the
/// demo's pending order and change Contoso's rules, which <see cref="AttentionApiTests"/> reads as the demo left them.
/// </summary>
public abstract class BulkApproveApiTests(CloudMarketFactory app)
{
    private const string Url = "/api/v1/attention/approve";
    private const string RulesUrl = "/api/v1/approval-rules";

    private static readonly object BigOrders = new
    {
        name = "Big orders by customers", placedBy = new[] { "customer", "customerAdmin" },
        kinds = new[] { "newSubscription", "increaseQuantity" }, minMonthlyAmount = 500m, approvers = new[] { "sellerAdmin", "accountManager" },
    };

    /// <summary>Holds the seller staff's own orders, so a seller-level user has a pending order it created.</summary>
    private static readonly object StaffOrders = new
    {
        name = "Orders by the seller's staff", placedBy = new[] { "sellerAdmin" }, kinds = Array.Empty<string>(),
        approvers = new[] { "sellerAdmin", "accountManager" },
    };

    private Task<long> DemoPendingAsync() => app.OrderNamedAsync("More E3 for the sales team");

    private static Dictionary<long, System.Text.Json.JsonElement> ByOrder(System.Text.Json.JsonElement result) =>
        result.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("orderId").GetInt64());

    [Fact]
    public async Task BulkApprove_ApprovesThePendingOrdersTheCallerMayDecide_AndSaysWhyNotForTheRest()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.PutJsonAsync(RulesUrl, new { rules = new[] { BigOrders, StaffOrders } }, HttpStatusCode.OK);
        try
        {
            var pending = await DemoPendingAsync();
            var own = await anna.CreateCartIdAsync(OrderKit.NewAcronis());
            Assert.Equal("pendingApproval", (await (await anna.PlaceAsync(own)).JsonAsync(HttpStatusCode.Accepted)).Status());
            var completed = await app.DemoOrderAsync(Demo.Fabrikam, OrderStatus.Completed);
            var othersSeller = await app.DemoOrderAsync(DemoData.Adatum, OrderStatus.Completed);
            var before = new Dictionary<long, OrderKit.Snapshot>();
            foreach (var id in new[] { pending, own, completed, othersSeller }) before[id] = await app.SnapshotAsync(id);

            // A role the rule does not name decides nothing, and is told why.
            var manager = await app.ClientAsync(Demo.SubscriptionsManager);
            var refused = ByOrder(await manager.PostJsonAsync(Url, new { orderIds = new[] { pending, own } }, HttpStatusCode.OK));
            foreach (var id in new[] { pending, own })
            {
                Assert.Equal("notAllowed", refused[id].GetProperty("outcome").GetString());
                Assert.Equal("Only sellerAdmin or accountManager may decide on this order.", refused[id].GetProperty("reason").GetString());
                Assert.Equal("pendingApproval", refused[id].GetProperty("status").GetString());
                Assert.Equal(before[id], await app.SnapshotAsync(id));
            }

            var seller = await app.ClientAsync(Demo.SellerAdmin);
            var result = await seller.PostJsonAsync(Url, new { orderIds = new[] { pending, own, completed, othersSeller, 999_999_999L }, comment = "Budget confirmed." },
                HttpStatusCode.OK);
            var items = result.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal([pending, own, completed, othersSeller, 999_999_999L], items.Select(i => i.GetProperty("orderId").GetInt64()));
            var outcomes = ByOrder(result);
            Assert.Equal("approved", outcomes[pending].GetProperty("outcome").GetString());
            Assert.Equal("inProgress", outcomes[pending].GetProperty("status").GetString());
            Assert.Equal(Demo.Fabrikam, outcomes[pending].GetProperty("customerId").GetGuid());
            Assert.Equal("notAllowed", outcomes[own].GetProperty("outcome").GetString());
            Assert.StartsWith("Nobody approves their own order", outcomes[own].GetProperty("reason").GetString());
            Assert.Equal("notPending", outcomes[completed].GetProperty("outcome").GetString());
            Assert.Equal("notFound", outcomes[othersSeller].GetProperty("outcome").GetString());
            Assert.Equal("notFound", outcomes[999_999_999L].GetProperty("outcome").GetString());

            // Approved as POST /orders/{id}/approve does it: on to the vendors, a job queued, the comment kept, by this user.
            var order = await anna.OrderAsync(pending);
            Assert.Equal("inProgress", order.Status());
            Assert.Equal("pendingApproval→inProgress", order.Transitions()[^1]);
            Assert.Equal("Approved: Budget confirmed.", order.Events()[^1].GetProperty("reason").GetString());
            Assert.Equal("Anna Berg", order.Events()[^1].GetProperty("actor").GetProperty("name").GetString());
            Assert.Equal(1, await app.JobCountAsync(pending));
            foreach (var id in new[] { own, completed, othersSeller })
                Assert.Equal(before[id], await app.SnapshotAsync(id));

            var queue = await seller.GetJsonAsync("/api/v1/attention?kind=pendingApproval");
            var stillPending = queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetInt64()).ToList();
            Assert.DoesNotContain(pending, stillPending);
            Assert.Contains(own, stillPending);

            // Another approver the rule names may decide on the seller admin's own order.
            var accountManager = await app.ClientAsync(Demo.AccountManager);
            var second = ByOrder(await accountManager.PostJsonAsync(Url, new { orderIds = new[] { own, pending } }, HttpStatusCode.OK));
            Assert.Equal("approved", second[own].GetProperty("outcome").GetString());
            Assert.Equal("notPending", second[pending].GetProperty("outcome").GetString());
        }
        finally
        {
            await anna.PutJsonAsync(RulesUrl, new { rules = new[] { BigOrders } }, HttpStatusCode.OK);
        }
    }

    [Theory]
    [InlineData(Demo.SupportAgent, HttpStatusCode.Forbidden)]
    [InlineData(Demo.DistributorReadOnly, HttpStatusCode.Forbidden)]
    [InlineData(Demo.FabrikamAdmin, HttpStatusCode.Forbidden)]
    [InlineData(Demo.FabrikamCustomer, HttpStatusCode.Forbidden)]
    public async Task BulkApprove_IsRefusedToReadOnlyAndCustomerLevelUsers(string email, HttpStatusCode status)
    {
        var pending = await DemoPendingAsync();
        var before = await app.SnapshotAsync(pending);
        var client = await app.ClientAsync(email);
        await (await client.PostRawAsync(Url, $$"""{"orderIds":[{{pending}}]}""")).ProblemAsync(status);
        Assert.Equal(before, await app.SnapshotAsync(pending));
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{}", "orderIds")]
    [InlineData("""{"orderIds":[]}""", "orderIds")]
    [InlineData("""{"orderIds":[0]}""", "orderIds[0]")]
    [InlineData("""{"orderIds":[5,-3]}""", "orderIds[1]")]
    [InlineData("""{"orderIds":["5"]}""", null)]
    [InlineData("""{"orderIds":[5],"comment":7}""", null)]
    public async Task BulkApprove_BadBodies_Answer400_NamingTheField(string body, string? field)
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var response = body.Length == 0 ? await client.PostAsync(Url, null) : await client.PostRawAsync(Url, body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        if (field is not null) Assert.Contains(field, problem.ErrorFields());
    }

    [Fact]
    public async Task BulkApprove_WithATooLongComment_Answers400_AndApprovesNothing()
    {
        var pending = await DemoPendingAsync();
        var before = await app.SnapshotAsync(pending);
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var problem = await client.PostJsonAsync(Url, new { orderIds = new[] { pending }, comment = new string('x', OrderCommands.MaxCommentLength + 1) },
            HttpStatusCode.BadRequest);
        Assert.Equal(["comment"], problem.ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(pending));
        var tooMany = await client.PostJsonAsync(Url, new { orderIds = Enumerable.Range(1, 201).Select(i => (long)i).ToArray() }, HttpStatusCode.BadRequest);
        Assert.Contains("orderIds", tooMany.ErrorFields());
    }
}

public sealed class BulkApproveApiTestsOnSqlite(BulkApproveApiTestsOnSqlite.Factory app) : BulkApproveApiTests(app), IClassFixture<BulkApproveApiTestsOnSqlite.Factory>
{
    public sealed class Factory : SqliteFactory;
}

public sealed class BulkApproveApiTestsOnPostgres(BulkApproveApiTestsOnPostgres.Factory app) : BulkApproveApiTests(app), IClassFixture<BulkApproveApiTestsOnPostgres.Factory>
{
    public sealed class Factory : PostgresFactory;
}

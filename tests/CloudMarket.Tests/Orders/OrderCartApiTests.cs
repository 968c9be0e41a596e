using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The cart and placing (orders.md, Lifecycle; api.md): editing a started/draft order, validation that
/// answers 400 with every problem at once and leaves the order as it was, and placement made safe to
/// repeat by Idempotency-Key — one placed order, one provisioning job, even for concurrent requests.
/// </summary>
public abstract class OrderCartApiTests(CloudMarketFactory app)
{
    private static readonly Guid Exchange = DemoData.SubscriptionIds.FabrikamExchange;
    private static readonly Guid Bitdefender = DemoData.SubscriptionIds.FabrikamBitdefender;

    private Task<int> FabrikamOrderCountAsync() => app.WithDbAsync(db => db.Orders.CountAsync(o => o.CustomerId == Demo.Fabrikam));

    // ---- the cart ----------------------------------------------------------------------------

    [Fact]
    public async Task CreateCart_Answers201WithLocationETagAndTheWholeOrder()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var response = await ida.PostAsync(OrdersUrl, JsonContent(new { items = new[] { NewE3(3) } }));
        var order = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/orders/{order.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal($"\"{order.Version()}\"", response.Headers.ETag?.ToString());
        Assert.True(order.Id() > 0);
        Assert.Equal("started", order.Status());
        Assert.Equal($"Order #{DateTime.UtcNow:dd-MM-yyyy}", order.GetProperty("name").GetString());
        Assert.Equal(Demo.Fabrikam, order.GetProperty("customerId").GetGuid());
        Assert.Equal(["New subscription: Microsoft 365 E3 × 3"], order.GetProperty("requestedChanges").Strings());
        var item = Assert.Single(order.Items());
        Assert.Equal("pending", item.GetProperty("provisioningStatus").GetString());
        Assert.Equal("fabrikam.onmicrosoft.com", item.GetProperty("tenantName").GetString());
        Assert.Equal("it@fabrikam.example", item.GetProperty("adminContact").GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("placedAt").ValueKind);
        // A new cart was last updated when it was created, not at the beginning of time.
        Assert.Equal(order.GetProperty("createdAt").GetDateTime(), order.GetProperty("updatedAt").GetDateTime());
        Assert.Equal("Ida Lund", order.GetProperty("createdBy").GetProperty("name").GetString());
        Assert.Equal("customer", order.GetProperty("createdBy").GetProperty("organizationType").GetString());

        var read = await ida.OrderAsync(order.Id());
        Assert.Equal(order.Version(), read.Version());
        Assert.Equal(order.GetProperty("requestedChanges").GetRawText(), read.GetProperty("requestedChanges").GetRawText());
    }

    [Fact]
    public async Task ASellerActingOnBehalf_IsRecordedAsTheCreator()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.PostJsonAsync(OrdersUrl, new { name = "Prepared for Ida", items = new[] { Increase(Demo.FabrikamE3, 30) } }, HttpStatusCode.Created);
        Assert.Equal("Prepared for Ida", order.GetProperty("name").GetString());
        var by = order.GetProperty("createdBy");
        Assert.Equal(("Anna Berg", "Contoso Cloud", "seller"),
            (by.GetProperty("name").GetString(), by.GetProperty("organizationName").GetString(), by.GetProperty("organizationType").GetString()));
        Assert.Equal(Demo.Contoso, by.GetProperty("organizationId").GetGuid());
        Assert.Equal(Demo.Fabrikam, order.GetProperty("customerId").GetGuid());
    }

    [Fact]
    public async Task Items_CanBeAddedChangedAndRemoved_InACartAndADraft_EachChangeRecorded()
    {
        var ida = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await ida.CreateCartIdAsync();
        var order = await ida.PostJsonAsync($"{OrdersUrl}/{id}/items", Increase(Demo.FabrikamE3, 12), HttpStatusCode.OK);
        order = await ida.PostJsonAsync($"{OrdersUrl}/{id}/items", NewAcronis(2), HttpStatusCode.OK);
        Assert.Equal(["Increase licences: Microsoft 365 E3, 10 → 12", "New subscription: Acronis Cyber Protect Standard × 2"],
            order.GetProperty("requestedChanges").Strings());

        await (await ida.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);
        order = await ida.PutJsonAsync($"{OrdersUrl}/{id}/items/{order.ItemId(0)}", Increase(Demo.FabrikamE3, 14), HttpStatusCode.OK);
        Assert.Equal("draft", order.Status());
        Assert.Equal("Increase licences: Microsoft 365 E3, 10 → 14", order.Items()[0].GetProperty("description").GetString());
        Assert.Equal(14, order.Items()[0].GetProperty("quantity").GetInt32());
        Assert.Equal(10, order.Items()[0].GetProperty("previousQuantity").GetInt32());

        var removed = order.ItemId(1);
        order = await ida.DeleteJsonAsync($"{OrdersUrl}/{id}/items/{removed}", HttpStatusCode.OK);
        Assert.DoesNotContain(order.Items(), i => i.GetProperty("id").GetGuid() == removed);
        Assert.Equal(1, order.GetProperty("itemCount").GetInt32());
        var renamed = await (await ida.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { name = "  Licences for Q1  ", paymentMethod = "card", cardBrand = "Visa", cardLast4 = "4242" }))
            .JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Licences for Q1", renamed.GetProperty("name").GetString());
        Assert.Equal(("card", "Visa", "4242"), (renamed.GetProperty("payment").GetProperty("method").GetString(),
            renamed.GetProperty("payment").GetProperty("cardBrand").GetString(), renamed.GetProperty("payment").GetProperty("cardLast4").GetString()));

        var reasons = renamed.Events().Select(e => e.GetProperty("reason").GetString()!).ToList();
        Assert.Contains("Item added: Increase licences: Microsoft 365 E3, 10 → 12", reasons);
        Assert.Contains("Item added: New subscription: Acronis Cyber Protect Standard × 2", reasons);
        Assert.Contains("Item changed: Increase licences: Microsoft 365 E3, 10 → 14", reasons);
        Assert.Contains("Item removed: New subscription: Acronis Cyber Protect Standard × 2", reasons);
        Assert.Contains("Renamed to \"Licences for Q1\".", reasons);
        // Every change bumps the version.
        Assert.Equal(renamed.Events().Count - 1, renamed.Version());
        Assert.All(renamed.Events().Where(e => e.GetProperty("reason").GetString()!.StartsWith("Item")),
            e => Assert.Equal(e.GetProperty("from").GetString(), e.GetProperty("to").GetString()));
    }

    [Fact]
    public async Task FullFlow_CartDraftResumePlace_PlacesOnce()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(3), Decrease(Bitdefender, 38));
        await (await ida.ActAsync(id, "draft")).JsonAsync(HttpStatusCode.OK);
        await (await ida.ActAsync(id, "resume")).JsonAsync(HttpStatusCode.OK);
        var placed = await (await ida.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("inProgress", placed.Status());
        Assert.All(placed.Items(), i => Assert.Equal("pending", i.GetProperty("provisioningStatus").GetString()));
        Assert.Equal(1, await app.JobCountAsync(id));
        Assert.Contains(await ida.AllPagesAsync("view=historical"), r => r.Id() == id);
    }

    // ---- idempotent placing -------------------------------------------------------------------

    [Fact]
    public async Task SameIdempotencyKey_ReturnsTheFirstResult_AndPlacesOnce()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(4));
        var key = Guid.NewGuid().ToString();

        var first = await ida.PlaceAsync(id, key);
        var firstBody = await first.JsonAsync(HttpStatusCode.Accepted);
        var second = await ida.PlaceAsync(id, key);
        var secondBody = await second.JsonAsync(HttpStatusCode.Accepted);

        Assert.Equal(firstBody.GetRawText(), secondBody.GetRawText());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal($"\"{secondBody.Version()}\"", second.Headers.ETag?.ToString());
        Assert.Equal(1, await app.JobCountAsync(id));
        Assert.Single(secondBody.Transitions(), t => t.EndsWith("→inProgress"));
    }

    [Fact]
    public async Task AnIdempotencyKeyUsedForAnotherOrder_Answers409_AndThatOrderIsNotPlaced()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var key = Guid.NewGuid().ToString();
        var first = await ida.CreateCartIdAsync(NewAcronis(5));
        await (await ida.PlaceAsync(first, key)).JsonAsync(HttpStatusCode.Accepted);
        var other = await ida.CreateCartIdAsync(NewAcronis(6));
        var before = await app.SnapshotAsync(other);
        await (await ida.PlaceAsync(other, key)).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(before, await app.SnapshotAsync(other));
        Assert.Equal("Started", before.Status);
    }

    [Fact]
    public async Task ConcurrentPlacesWithTheSameKey_AllGetTheOneResult_AndOneJob()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewE3(7), Increase(Exchange, 9));
        var key = Guid.NewGuid().ToString();
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => app.ClientAsync(Demo.FabrikamAdmin)));

        var responses = await Task.WhenAll(clients.Select(c => c.PlaceAsync(id, key)));
        foreach (var r in responses)
        {
            var body = await r.JsonAsync(HttpStatusCode.Accepted);
            Assert.Equal(id, body.Id());
            Assert.Equal("inProgress", body.Status());
        }
        Assert.Equal(1, await app.JobCountAsync(id));
        var order = await ida.OrderAsync(id);
        Assert.Single(order.Transitions(), t => t.EndsWith("→inProgress"));
        var userId = await app.UserIdAsync(Demo.FabrikamAdmin);
        Assert.Equal(1, await app.WithDbAsync(db => db.PlaceIdempotency.CountAsync(p => p.UserId == userId && p.Key == key)));
    }

    [Fact]
    public async Task ConcurrentPlacesWithoutKey_OnePlaces_TheOthersAre409()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(Demo.FabrikamE3, 44));
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam)));
        var responses = await Task.WhenAll(clients.Select(c => c.PlaceAsync(id)));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Accepted), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1, await app.JobCountAsync(id));
        Assert.Single((await anna.OrderAsync(id)).Transitions(), t => t.EndsWith("→inProgress"));
    }

    // ---- validation ---------------------------------------------------------------------------

    [Theory]
    [InlineData(Demo.SubscriptionsManager)]
    [InlineData(Demo.FabrikamAdmin)]
    public async Task CreatingACart_WithManyProblems_Answers400NamingEveryOne_AndCreatesNothing(string email)
    {
        var client = await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);
        var count = await FabrikamOrderCountAsync();
        object[] items =
        [
            NewSubscription(DemoData.OfferIds.E3, 20000, "fabrikam.onmicrosoft.com"),                               // over the offer's limit
            Decrease(Bitdefender, -1),                                                                               // below zero
            NewSubscription(DemoData.OfferIds.TeamsAudio, 5, "fabrikam.onmicrosoft.com"),                          // an add-on bought alone
            NewSubscription(DemoData.OfferIds.AcronisProtect, 2, addons: [new { offerId = DemoData.OfferIds.DefenderP1, quantity = 2 }]), // add-on of another offer
            NewSubscription(DemoData.OfferIds.E3, 5, tenant: null),                                                  // Microsoft without a tenant
            NewSubscription(DemoData.OfferIds.BusinessBasic, 5, "fabrikam.onmicrosoft.com", new { email = "nope", firstName = "", lastName = "Lund" }),
            new { kind = "newSubscription", offerId = DemoData.OfferIds.AcronisProtect, quantity = 2 },              // no admin contact
            Markup(Demo.FabrikamE3, 18),                                                                                          // neither role may change markup
        ];
        var problem = await (await client.PostAsync(OrdersUrl, JsonContent(new { items }))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(new[]
        {
            "items[0].quantity", "items[1].quantity", "items[2].offerId", "items[3].addons[0].offerId", "items[4].tenantName",
            "items[5].adminContact.email", "items[5].adminContact.firstName", "items[6].adminContact", "items[7].kind",
        }.Order(), problem.ErrorFields().Order());
        Assert.Equal(count, await FabrikamOrderCountAsync());
    }

    [Fact]
    public async Task AddingAnInvalidItem_Answers400WithEveryProblemOfIt_AndLeavesTheCartUnchanged()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(id);
        var bad = new
        {
            kind = "newSubscription", offerId = DemoData.OfferIds.BusinessStandard, quantity = 301, billingCycle = "monthly",
            addons = new object[] { new { offerId = DemoData.OfferIds.AcronisStorage, quantity = 1 }, new { offerId = DemoData.OfferIds.TeamsAudio, quantity = 0 } },
            adminContact = new { email = "ida@@fabrikam", firstName = "Ida", lastName = "" },
            tenantName = "not a tenant",
        };
        var problem = await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", bad)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "quantity", "addons[0].offerId", "addons[1].quantity", "adminContact.email", "adminContact.lastName", "tenantName" }.Order(),
            problem.ErrorFields().Order());
        Assert.Equal(before, await app.SnapshotAsync(id));

        await (await ida.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/items/{(await ida.OrderAsync(id)).ItemId(0)}", bad)).ProblemAsync(HttpStatusCode.BadRequest);
        await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", Increase(Demo.FabrikamE3, 5))).ProblemAsync(HttpStatusCode.BadRequest); // not an increase
        await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", Reactivate(Demo.FabrikamE3))).ProblemAsync(HttpStatusCode.BadRequest); // E3 is active
        await (await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", Increase(DemoData.SubscriptionIds.TailspinStandard, 50)))
            .ProblemAsync(HttpStatusCode.BadRequest); // another customer's subscription
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    /// <summary>
    /// A cart whose items were valid when added but no longer are (here made so directly in the database,
    /// as a catalog or subscription change would): placing lists every problem, indexed as the order's
    /// items are shown, and leaves the order, its events and the outbox untouched.
    /// </summary>
    [Fact]
    public async Task Placing_ValidatesTheWholeOrder_Answers400WithEveryProblem_AndLeavesItUnchanged()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var order = await anna.CreateCartAsync(
            NewAcronis(2),
            NewE3(5),
            Decrease(Bitdefender, 30),
            NewSubscription(DemoData.OfferIds.AcronisProtect, 2, addons: [new { offerId = DemoData.OfferIds.AcronisStorage, quantity = 1 }]),
            NewSubscription(DemoData.OfferIds.BusinessBasic, 4, "fabrikam.onmicrosoft.com"));
        var id = order.Id();
        var (e3, decrease, acronis, basic) = (order.ItemId(1), order.ItemId(2), order.ItemId(3), order.ItemId(4));
        await app.WithDbAsync(async db =>
        {
            await db.OrderItems.Where(i => i.Id == e3).ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Quantity, 20000).SetProperty(i => i.AdminEmail, "not-an-email").SetProperty(i => i.TenantName, (string?)null));
            await db.OrderItems.Where(i => i.Id == decrease).ExecuteUpdateAsync(s => s.SetProperty(i => i.Quantity, -1));
            await db.OrderItems.Where(i => i.Id == basic).ExecuteUpdateAsync(s => s.SetProperty(i => i.AdminEmail, (string?)null));
            var item = await db.OrderItems.SingleAsync(i => i.Id == acronis);
            item.Addons.Clear();
            item.Addons.Add(new OrderItemAddon(DemoData.OfferIds.DefenderP1, "Microsoft Defender for Office 365 (Plan 1)", 2, 1.70m));
            return await db.SaveChangesAsync();
        });
        var before = await app.SnapshotAsync(id);

        var problem = await (await anna.PlaceAsync(id, Guid.NewGuid().ToString())).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(new[]
        {
            "items[1].quantity", "items[1].adminContact.email", "items[1].tenantName", "items[2].quantity",
            "items[3].addons[0].offerId", "items[4].adminContact",
        }.Order(), problem.ErrorFields().Order());
        Assert.Equal(before, await app.SnapshotAsync(id));
        Assert.Equal(0, before.Jobs);
    }

    [Fact]
    public async Task Placing_TwoQuantityChangesOfOneSubscription_Answers400()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(Increase(Demo.FabrikamE3, 12), Increase(Demo.FabrikamE3, 13));
        var before = await app.SnapshotAsync(id);
        var problem = await (await ida.PlaceAsync(id)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("items", problem.ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Fact]
    public async Task APlacementRefusedWith400_IsNotRememberedUnderItsKey_SoTheCorrectedOrderPlacesWithIt()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var order = await ida.CreateCartAsync(Increase(Demo.FabrikamE3, 14), Increase(Demo.FabrikamE3, 15));
        var key = Guid.NewGuid().ToString();
        await (await ida.PlaceAsync(order.Id(), key)).ProblemAsync(HttpStatusCode.BadRequest);

        await ida.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{order.Id()}/items/{order.ItemId(1)}");
        Assert.Equal("inProgress", (await (await ida.PlaceAsync(order.Id(), key)).JsonAsync(HttpStatusCode.Accepted)).Status());
        Assert.Equal("inProgress", (await (await ida.PlaceAsync(order.Id(), key)).JsonAsync(HttpStatusCode.Accepted)).Status());
        Assert.Equal(1, await app.JobCountAsync(order.Id()));
    }

    [Fact]
    public async Task Placing_AnEmptyCart_Answers400()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync();
        var before = await app.SnapshotAsync(id);
        Assert.Contains("items", (await (await ida.PlaceAsync(id)).ProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Theory]
    [InlineData(Demo.SubscriptionsManager, "items[1].kind")]
    [InlineData(Demo.FabrikamAdmin, "order")]
    [InlineData(Demo.FabrikamCustomer, "order")]
    public async Task Placing_AMarkupChange_IsForMarkupChangersOnly(string email, string errorField)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Increase(Demo.FabrikamE3, 16), Markup(Exchange, 21));
        var before = await app.SnapshotAsync(id);
        var client = await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);
        var problem = await (await client.PlaceAsync(id)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(errorField, problem.ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(id));
        // The account manager may: the same order places.
        var marco = await app.ClientAsync(Demo.AccountManager, Demo.Fabrikam);
        Assert.Equal("inProgress", (await (await marco.PlaceAsync(id)).JsonAsync(HttpStatusCode.Accepted)).Status());
    }

    [Theory]
    [InlineData(Demo.SubscriptionsManager)]
    [InlineData(Demo.FabrikamAdmin)]
    [InlineData(Demo.FabrikamCustomer)]
    public async Task AddingAMarkupChange_WithoutTheRole_Answers400OnTheKind(string email)
    {
        var client = await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);
        var id = await client.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(id);
        var problem = await (await client.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", Markup(Demo.FabrikamE3, 19))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["kind"], problem.ErrorFields());
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    [Theory]
    [InlineData(Demo.FabrikamBilling)]
    [InlineData(Demo.SupportAgent)]
    [InlineData(Demo.DistributorReadOnly)]
    public async Task RolesThatDoNotBuy_Get403_AndChangeNothing(string email)
    {
        var client = await app.ClientAsync(email, Demo.CustomerLevelUsers.Contains(email) ? null : Demo.Fabrikam);
        var count = await FabrikamOrderCountAsync();
        await (await client.PostAsync(OrdersUrl, JsonContent(new { items = new[] { NewAcronis(1) } }))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(count, await FabrikamOrderCountAsync());
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(id);
        await (await client.PlaceAsync(id, Guid.NewGuid().ToString())).ProblemAsync(HttpStatusCode.Forbidden);
        await (await client.DeleteAsync($"{OrdersUrl}/{id}")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.SnapshotAsync(id));
    }

    private static HttpContent JsonContent(object body) => System.Net.Http.Json.JsonContent.Create(body, options: CloudMarketFactory.Json);
}

public sealed class OrderCartApiTestsOnSqlite(SqliteFactory app) : OrderCartApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderCartApiTestsOnPostgres(PostgresFactory app) : OrderCartApiTests(app), IClassFixture<PostgresFactory>;

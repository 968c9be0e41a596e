using System.Net;
using System.Text;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// The abuse limits of orders (issue 10 §3), at their defaults: at most 100 items per order
/// (Orders:MaxItemsPerOrder) and API request bodies of at most 256 KB (Security:MaxApiRequestBodyBytes),
/// which an order of 100 full items fits. Over a limit → 400 (items) or 413 (body) naming it, nothing stored.
/// </summary>
public abstract class OrderLimitsApiTests(CloudMarketFactory app)
{
    private const int MaxItems = 100;
    private const int MaxBodyBytes = 256 * 1024;

    private Task<int> OrderCountAsync() => app.WithDbAsync(db => db.Orders.CountAsync());

    /// <summary>A new subscription with the longest contact names and an add-on: the largest item a client sends.</summary>
    private static object FullItem(int i) => NewSubscription(DemoData.OfferIds.AcronisProtect, 1 + i % 50,
        contact: new { email = $"it.department.{i}@fabrikam.example", firstName = new string('F', 100), lastName = new string('L', 100) },
        addons: [new { offerId = DemoData.OfferIds.AcronisStorage, quantity = 2 }]);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body, CloudMarketFactory.Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task AnOrderOfTheMostItems_FitsTheBodyLimit_AndOneItemMoreIs400NamingTheLimit()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var full = new { items = Enumerable.Range(0, MaxItems).Select(FullItem).ToArray() };
        var body = Json(full);
        Assert.True((await body.ReadAsByteArrayAsync()).Length < MaxBodyBytes, "the largest allowed order must fit the body limit");
        var order = await (await ida.PostAsync(OrdersUrl, body)).JsonAsync(HttpStatusCode.Created);
        Assert.Equal(MaxItems, order.GetProperty("itemCount").GetInt32());

        var before = await OrderCountAsync();
        var tooMany = new { items = Enumerable.Range(0, MaxItems + 1).Select(FullItem).ToArray() };
        var problem = await (await ida.PostAsync(OrdersUrl, Json(tooMany))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["items"], problem.ErrorFields());
        Assert.Contains("at most 100 items", problem.GetProperty("errors").GetProperty("items")[0].GetString());
        Assert.Equal(before, await OrderCountAsync());
    }

    [Fact]
    public async Task AddingAnItemToAFullOrder_Is400NamingTheLimit_AndChangesNothing()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync(Enumerable.Range(0, MaxItems - 1).Select(i => NewAcronis(1 + i % 10)).ToArray());
        await (await anna.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", NewAcronis(4))).JsonAsync(HttpStatusCode.OK);
        var before = await app.SnapshotAsync(id);

        var problem = await (await anna.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", NewAcronis(5))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["items"], problem.ErrorFields());
        Assert.Contains("at most 100 items", problem.GetProperty("errors").GetProperty("items")[0].GetString());
        Assert.Equal(before, await app.SnapshotAsync(id));

        // Changing an item of a full order is not adding one.
        var changed = await anna.PutJsonAsync($"{OrdersUrl}/{id}/items/{before.Items.Split('|')[0]}", NewAcronis(7), HttpStatusCode.OK);
        Assert.Equal(MaxItems, changed.GetProperty("itemCount").GetInt32());
    }

    [Fact]
    public async Task ABodyOverTheLimit_Is413NamingIt_Unread_AndStoresNothing()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var cart = await ida.CreateCartIdAsync(NewAcronis(2));
        var cartBefore = await app.SnapshotAsync(cart);
        var before = await OrderCountAsync();
        // Valid JSON of a little more than 256 KB: only its size is wrong.
        var oversized = $"{{\"name\": \"{new string('n', MaxBodyBytes)}\", \"items\": []}}";

        foreach (var (method, url) in new[] { ("POST", OrdersUrl), ("POST", $"{OrdersUrl}/{cart}/items"), ("PUT", $"{OrdersUrl}/{cart}/note"), ("POST", "/api/v1/auth/token") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent(oversized, Encoding.UTF8, "application/json") };
            var problem = await (await ida.SendAsync(request)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains("256 KB", problem.GetProperty("detail").GetString());
        }
        // Without a Content-Length (chunked), the body is refused the same way once it grows past the limit.
        var chunked = await (await ida.PostAsync(OrdersUrl, new UnknownLengthContent(Encoding.UTF8.GetBytes(oversized)))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("256 KB", chunked.GetProperty("detail").GetString());
        Assert.Equal(before, await OrderCountAsync());
        Assert.Equal(cartBefore, await app.SnapshotAsync(cart));
        await (await ida.PostAsync(OrdersUrl, new UnknownLengthContent(Encoding.UTF8.GetBytes("{\"items\": []}")))).JsonAsync(HttpStatusCode.Created);

        // Just under the limit is read (and then refused for what it says, not for its size).
        var justUnder = $"{{\"name\": \"{new string('n', MaxBodyBytes - 100)}\", \"items\": []}}";
        var nameTooLong = await (await ida.PostAsync(OrdersUrl, new StringContent(justUnder, Encoding.UTF8, "application/json"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["name"], nameTooLong.ErrorFields());
    }
}

/// <summary>A JSON body that does not announce its length, as a chunked upload.</summary>
internal sealed class UnknownLengthContent : HttpContent
{
    private readonly byte[] _bytes;

    public UnknownLengthContent(byte[] bytes)
    {
        _bytes = bytes;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

public sealed class OrderLimitsApiTestsOnSqlite(SqliteFactory app) : OrderLimitsApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderLimitsApiTestsOnPostgres(PostgresFactory app) : OrderLimitsApiTests(app), IClassFixture<PostgresFactory>;

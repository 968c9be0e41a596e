using System.Net;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Optimistic concurrency (orders.md, Concurrency): every change bumps the version; If-Match with a
/// stale ETag answers 409 and changes nothing; of two concurrent writers one wins and the other gets 409.
/// </summary>
public abstract class OrderConcurrencyApiTests(CloudMarketFactory app)
{

    private static async Task<string> ETagAsync(HttpClient client, long id)
    {
        var response = await client.GetAsync($"{OrdersUrl}/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.ETag!.ToString();
    }

    [Fact]
    public async Task EveryChange_WithAStaleIfMatch_Answers409_AndChangesNothing()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2), Increase(Demo.FabrikamE3, 11));
        var stale = await ETagAsync(ida, id);
        await (await ida.NoteAsync(id, "someone else was first")).JsonAsync(HttpStatusCode.OK);
        var current = await ETagAsync(ida, id);
        Assert.NotEqual(stale, current);
        var item = (await ida.OrderAsync(id)).ItemId(0);

        var before = await app.SnapshotAsync(id);
        var calls = new (string What, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("note", () => ida.NoteAsync(id, "mine", stale)),
            ("rename", () => ida.SendAsync(HttpMethod.Patch, $"{OrdersUrl}/{id}", new { name = "Mine" }, stale)),
            ("add item", () => ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", NewAcronis(9), stale)),
            ("change item", () => ida.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/items/{item}", NewAcronis(8), stale)),
            ("remove item", () => ida.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{id}/items/{item}", ifMatch: stale)),
            ("draft", () => ida.ActAsync(id, "draft", stale)),
            ("place", () => ida.PlaceAsync(id, Guid.NewGuid().ToString(), stale)),
            ("place without key", () => ida.PlaceAsync(id, ifMatch: stale)),
            ("delete", () => ida.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{id}", ifMatch: stale)),
            ("garbage If-Match", () => ida.NoteAsync(id, "mine", "\"not-a-version\"")),
        };
        foreach (var (what, call) in calls)
        {
            var response = await call();
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, await app.SnapshotAsync(id));
        }
        Assert.Equal(current, await ETagAsync(ida, id));
    }

    [Fact]
    public async Task TheCurrentIfMatch_IsAccepted_AndEveryChangeMovesTheETag()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        var etag = await ETagAsync(ida, id);
        var version = (await ida.OrderAsync(id)).Version();
        Assert.Equal($"\"{version}\"", etag);

        var response = await ida.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", NewAcronis(3), etag);
        var order = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(version + 1, order.Version());
        Assert.Equal($"\"{version + 1}\"", response.Headers.ETag?.ToString());

        response = await ida.ActAsync(id, "draft", response.Headers.ETag!.ToString());
        Assert.Equal(version + 2, (await response.JsonAsync(HttpStatusCode.OK)).Version());
        response = await ida.NoteAsync(id, "any version", "*");
        Assert.Equal(version + 3, (await response.JsonAsync(HttpStatusCode.OK)).Version());
        response = await ida.PlaceAsync(id, ifMatch: response.Headers.ETag!.ToString());
        Assert.Equal("inProgress", (await response.JsonAsync(HttpStatusCode.Accepted)).Status());
    }

    [Fact]
    public async Task TwoConcurrentEditsOfOneVersion_OneWins_TheOtherGets409()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        for (var round = 0; round < 6; round++)
        {
            var etag = await ETagAsync(ida, id);
            var before = await app.SnapshotAsync(id);
            var texts = new[] { $"Ida {round}", $"Felix {round}" };
            var responses = await Task.WhenAll(ida.NoteAsync(id, texts[0], etag), felix.NoteAsync(id, texts[1], etag));

            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
            var winner = texts[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK)];
            var after = await app.SnapshotAsync(id);
            Assert.Equal(winner, after.Note);
            Assert.Equal(before.Version + 1, after.Version);
            Assert.Equal(before.EventCount + 1, after.EventCount);
        }
    }

    [Fact]
    public async Task TwoConcurrentTransitions_OneWins_TheOtherGets409()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        for (var round = 0; round < 4; round++)
        {
            var id = await ida.CreateCartIdAsync(NewAcronis(1 + round));
            var etag = await ETagAsync(ida, id);
            var before = await app.SnapshotAsync(id);
            // One saves the cart as a draft while the other deletes it.
            var responses = await Task.WhenAll(ida.ActAsync(id, "draft", etag), felix.SendAsync(HttpMethod.Delete, $"{OrdersUrl}/{id}", ifMatch: etag));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
            var expected = responses[0].StatusCode == HttpStatusCode.OK ? "Draft" : "Deleted";
            var after = await app.SnapshotAsync(id);
            Assert.Equal(expected, after.Status);
            Assert.Equal(before.Version + 1, after.Version);
            Assert.Equal(before.EventCount + 1, after.EventCount);
        }
    }

    [Fact]
    public async Task ConcurrentEditsWithoutIfMatch_NeverLoseAnUpdate()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await anna.CreateCartIdAsync();
        var before = await app.SnapshotAsync(id);
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam)));
        var responses = await Task.WhenAll(clients.Select((c, i) => c.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/items", NewAcronis(10 + i))));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        var succeeded = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(succeeded >= 1);
        var order = await anna.OrderAsync(id);
        // Each 200 is in the order; no 409 left a trace.
        Assert.Equal(succeeded, order.GetProperty("itemCount").GetInt32());
        Assert.Equal(before.Version + succeeded, order.Version());
        Assert.Equal(before.EventCount + succeeded, order.Events().Count);
    }

    [Fact]
    public async Task TheVersionIsAConcurrencyToken_InTheDatabase()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        var actor = new EventActor(Guid.NewGuid(), "Test", Demo.Fabrikam, "Fabrikam Ltd");
        await using var first = app.Services.CreateAsyncScope();
        await using var second = app.Services.CreateAsyncScope();
        var db1 = first.ServiceProvider.GetRequiredService<AppDbContext>();
        var db2 = second.ServiceProvider.GetRequiredService<AppDbContext>();
        var a = await db1.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        var b = await db2.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        a.SetNote("first writer", actor, DateTime.UtcNow);
        b.SetNote("second writer", actor, DateTime.UtcNow);
        await db1.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => db2.SaveChangesAsync());
        Assert.Equal("first writer", (await app.SnapshotAsync(id)).Note);
    }
}

public sealed class OrderConcurrencyApiTestsOnSqlite(SqliteFactory app) : OrderConcurrencyApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderConcurrencyApiTestsOnPostgres(PostgresFactory app) : OrderConcurrencyApiTests(app), IClassFixture<PostgresFactory>;

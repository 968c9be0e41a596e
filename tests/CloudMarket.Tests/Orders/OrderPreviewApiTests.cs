using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// <c>POST /api/v1/orders/{id}/preview</c> (workflow.md, "Preview"): what placing would do and say, with nothing
/// changed — the same problems in the same words as a real placing, the order's own totals and prices for the
/// caller's role, each item's cancellation deadline after purchase, and no markup for customer-level users.
/// </summary>
public abstract class OrderPreviewApiTests(CloudMarketFactory app)
{
    private static Task<HttpResponseMessage> PreviewAsync(HttpClient client, long id) => client.ActAsync(id, "preview");

    private static Dictionary<string, string[]> Errors(JsonElement element) =>
        element.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Strings().ToArray());

    [Fact]
    public async Task AnOrderPlacingWouldRefuse_IsPreviewedWithEveryProblem_InPlacingsWords_AndNothingChanges()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        // Two problems at once: a decrease outside the closed window, and the same subscription's licences changed twice.
        var cart = await ida.CreateCartAsync(NewAcronis(2), Increase(Demo.FabrikamE3, 12));
        await app.WithDbAsync(async db =>
        {
            // Arranged behind the validator's back, as time would: a second licence change of E3 and one that is now a late decrease.
            var order = await db.Orders.FindAsync(cart.Id());
            await db.Entry(order!).Collection(o => o.Items).LoadAsync();
            var e3 = await db.Subscriptions.FindAsync(Demo.FabrikamE3);
            var offer = await db.Offers.FindAsync(e3!.OfferId);
            await db.Entry(offer!).Reference(o => o.Vendor).LoadAsync();
            var spec = new ItemSpec(OrderItemKind.DecreaseQuantity, offer!, e3, 9, e3.BillingCycle, [], null, null, null, null, 0, e3.MarkupPercent);
            order!.AddItem(spec, new EventActor(Guid.NewGuid(), "Test", Guid.NewGuid(), "Test"), DateTime.UtcNow);
            return await db.SaveChangesAsync();
        });
        var before = await app.SnapshotAsync(cart.Id());
        var version = (await ida.OrderAsync(cart.Id())).Version();

        var response = await PreviewAsync(ida, cart.Id());
        var preview = await response.JsonAsync(HttpStatusCode.OK);

        Assert.False(preview.GetProperty("canPlace").GetBoolean());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("refusal").ValueKind);
        Assert.Equal(version, preview.GetProperty("version").GetInt32());
        Assert.Equal($"\"{version}\"", response.Headers.ETag?.Tag);
        Assert.Equal(before, await app.SnapshotAsync(cart.Id()));

        var placed = await (await ida.PlaceAsync(cart.Id())).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(Errors(placed), Errors(preview));
        Assert.Equal(2, Errors(preview).Count);
        Assert.Contains("items[2].quantity", Errors(preview).Keys);
        Assert.Equal(before, await app.SnapshotAsync(cart.Id()));
    }

    [Fact]
    public async Task APlaceableOrder_IsPreviewedWithItsTotalsPricesAndDeadlines_AndThenPlacedAsSaid()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var cart = await anna.CreateCartAsync(NewE3(4), NewAcronis(3), AutoRenew(Demo.FabrikamE3, false));
        var preview = await (await PreviewAsync(anna, cart.Id())).JsonAsync(HttpStatusCode.OK);

        Assert.True(preview.GetProperty("canPlace").GetBoolean());
        Assert.Empty(Errors(preview));
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("approval").ValueKind);
        Assert.Equal("now", preview.GetProperty("schedule").GetProperty("when").GetString());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("schedule").GetProperty("scheduledFor").ValueKind);
        // The order's own projection: the same totals and item prices as GET answers.
        var order = await anna.OrderAsync(cart.Id());
        Assert.Equal(order.GetProperty("totals").GetRawText(), preview.GetProperty("totals").GetRawText());
        var items = preview.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(order.Items().Select(i => i.GetProperty("prices").GetRawText()), items.Select(i => i.GetProperty("prices").GetRawText()));
        // A Microsoft purchase can be taken back for 7 days after it; Acronis has no window; an auto-renew change opens none.
        var now = app.Clock.GetUtcNow().UtcDateTime;
        Assert.InRange(items[0].GetProperty("cancellableUntil").GetDateTime(), now.AddHours(168).AddMinutes(-1), now.AddHours(168).AddMinutes(1));
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("cancellableUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, items[2].GetProperty("cancellableUntil").ValueKind);

        Assert.Equal(HttpStatusCode.Accepted, (await anna.PlaceAsync(cart.Id())).StatusCode);
        // Placed: the preview now says what a second placing would say.
        var after = await (await PreviewAsync(anna, cart.Id())).JsonAsync(HttpStatusCode.OK);
        var again = await (await anna.PlaceAsync(cart.Id())).ProblemAsync(HttpStatusCode.Conflict);
        Assert.False(after.GetProperty("canPlace").GetBoolean());
        Assert.Equal(again.GetProperty("detail").GetString(), after.GetProperty("refusal").GetString());
    }

    [Fact]
    public async Task ACustomer_SeesNoMarkupItemNorCost_AndTheSellersHiddenItemIsNotNamed()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var cart = await anna.CreateCartAsync(NewAcronis(2), Markup(Demo.FabrikamE3, 22));
        var seller = await (await PreviewAsync(anna, cart.Id())).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, seller.GetProperty("items").GetArrayLength());
        Assert.Contains("periodCost", seller.AllPropertyNames());

        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var customer = await (await PreviewAsync(ida, cart.Id())).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["New subscription: Acronis Cyber Protect Standard × 2"], customer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("description").GetString()));
        Assert.DoesNotContain(customer.AllPropertyNames(), n => n is "unitCost" or "markupPercent" or "periodMargin" or "periodCost" or "vendorUnitCost");
        Assert.DoesNotContain(customer.AllStrings(), s => s.Contains("arkup", StringComparison.Ordinal));
        // Placing would refuse them in the same words, without naming the hidden item.
        var placed = await (await ida.PlaceAsync(cart.Id())).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(Errors(placed), Errors(customer));
        Assert.Equal((await ida.OrderAsync(cart.Id())).Version(), customer.GetProperty("version").GetInt32());

        var support = await app.ClientAsync(Demo.SupportAgent, Demo.Fabrikam);
        await (await PreviewAsync(support, cart.Id())).ProblemAsync(HttpStatusCode.Forbidden);
        var other = await app.ClientAsync(Demo.TailspinAdmin);
        await (await PreviewAsync(other, cart.Id())).ProblemAsync(HttpStatusCode.NotFound);
    }
}

public sealed class OrderPreviewApiTestsOnSqlite(SqliteFactory app) : OrderPreviewApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OrderPreviewApiTestsOnPostgres(PostgresFactory app) : OrderPreviewApiTests(app), IClassFixture<PostgresFactory>;

using System.Net;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The pages on each database: the layout and the page share the request's DbContext, one query at a
/// time. When they overlapped, PostgreSQL pages answered 500 now and then ("a second operation was
/// started on this context"), so every Customer View page is asked for many times in a row.
/// </summary>
public abstract class PageRenderingTests(CloudMarketFactory app)
{
    [Fact]
    public async Task EveryCustomerViewPage_Answers200_EveryTime()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var cart = await ida.CreateCartIdAsync(Increase(DemoData.SubscriptionIds.FabrikamE3, 12), NewAcronis(3));
        var browser = await app.PageClientAsync(Demo.FabrikamAdmin);
        string[] pages = ["/orders", "/orders?view=historical&state=all", $"/orders/{cart}", $"/cart?order={cart}", "/subscriptions",
            $"/subscriptions/{DemoData.SubscriptionIds.FabrikamE3}", "/catalog"];
        for (var round = 0; round < 10; round++)
            foreach (var page in pages)
            {
                var response = await browser.GetAsync(page);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}, round {round}: {(int)response.StatusCode}");
            }
    }
}

public sealed class PageRenderingTestsOnSqlite(SqliteFactory app) : PageRenderingTests(app), IClassFixture<SqliteFactory>;
public sealed class PageRenderingTestsOnPostgres(PostgresFactory app) : PageRenderingTests(app), IClassFixture<PostgresFactory>;

using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Searches for terms the indexes find more than <see cref="OrderQueries.SearchIndexCap"/> times on the platform
/// (docs/performance.md point 23): the page walks at most <see cref="OrderQueries.SearchWalkBudget"/> of the customer's
/// orders, then takes the rest from a wider lookup narrowed to the customer, or, past <see cref="OrderQueries.SearchWideCap"/>,
/// walks on. Whichever way a page is found, the list must be exactly what the search means: every order of the customer
/// with the term in its name or an item's offer name, newest first, each once, page after page, in each sort, for the
/// seller and for the customer's own admin. The data are real rows in this fixture's own database: Fabrikam gets
/// more orders than the budget, newer than most of its few matches, and another customer the platform's many matches.
/// </summary>
public abstract class FrequentTermSearchTests(CloudMarketFactory app)
{
    private const string All = "view=historical&state=all";

    /// <summary>Under the wide cap elsewhere (narrowed path), and only in Fabrikam's old orders.</summary>
    private const string Narrowed = "Quokka Suite";

    /// <summary>Over the wide cap elsewhere (the walk goes on), and only in Fabrikam's old orders.</summary>
    private const string WalkedOn = "Wombat Storage";

    /// <summary>Fabrikam's newest orders: frequent here, so the walk's budget fills the page.</summary>
    private const string Dense = "Filler Backup";

    /// <summary>On the items of the walked-on term elsewhere (over the wide cap), on no item of Fabrikam's: in two of its order names.</summary>
    private const string OthersOnly = "Koala";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CloudMarketFactory, Task> Seeded = new();

    private Task SeedAsync() => Seeded.GetValue(app, _ => app.WithDbAsync(async db =>
    {
        var fabrikam = await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam);
        var tailspin = await db.Organizations.SingleAsync(o => o.Id == DemoData.Tailspin);
        var newest = await db.Orders.MaxAsync(o => o.Date);
        var oldest = await db.Orders.MinAsync(o => o.Date);

        Task<List<long>> AddAsync(Organization customer, int count, DateTime from, string offerName) =>
            AddOrdersWithOfferNamesAsync(db, customer, from, Enumerable.Repeat(offerName, count).ToList());

        // Elsewhere: more than the index cap of each term; the walked-on one more than the wide cap too.
        await AddAsync(tailspin, OrderQueries.SearchIndexCap + 100, oldest.AddDays(-30), Narrowed);
        await AddAsync(tailspin, OrderQueries.SearchWideCap + 100, oldest.AddDays(-20), $"{WalkedOn} {OthersOnly} Edition");
        // Fabrikam, newest first: the dense term's orders up to one before the walk's budget; then one match of each of the other
        // terms, exactly at the budget's last order and just past it (where an error of one in the walk's end would show as a
        // match lost or listed twice); more of the dense term; the demo's orders; three old matches of each.
        await AddAsync(fabrikam, OrderQueries.SearchWalkBudget - 1, newest.AddDays(3), Dense);
        await AddAsync(fabrikam, 1, newest.AddDays(2).AddMinutes(1), Narrowed);
        await AddAsync(fabrikam, 1, newest.AddDays(2), WalkedOn);
        var dense = await AddAsync(fabrikam, 200, newest.AddDays(1), Dense);
        var old = await AddAsync(fabrikam, 3, oldest.AddDays(-60), Narrowed);
        await db.Orders.Where(o => o.Id == dense[100] || o.Id == old[0]).ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, $"{OthersOnly} rollout"));
        // An old order with the dense term in its name: listed after all of the term's newer items, never before one not yet read.
        await db.Orders.Where(o => o.Id == old[1]).ExecuteUpdateAsync(s => s.SetProperty(o => o.Name, $"{Dense} review"));
        await AddAsync(fabrikam, 3, oldest.AddDays(-50), WalkedOn);
        return 0;
    }));

    /// <summary>
    /// What the search means, straight from the tables: the customer's orders with the term in name or offer name, newest first
    /// (or in the sort named: <c>-date</c>, <c>number</c>, <c>-number</c>).
    /// </summary>
    private Task<List<long>> ExpectedAsync(string term, DateTime? to = null, string sort = "-date") => app.WithDbAsync(db =>
    {
        var matches = db.Orders
            .Where(o => o.CustomerId == DemoData.Fabrikam && !o.IsMarkupOnly && (to == null || o.Date <= to))
            .Where(o => o.Name.ToLower().Contains(term.ToLower())
                        || o.Items.Any(i => i.Kind != OrderItemKind.ChangeMarkup && i.OfferName.ToLower().Contains(term.ToLower())));
        var sorted = sort switch
        {
            "-date" => matches.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id),
            "number" => matches.OrderBy(o => o.Id),
            "-number" => matches.OrderByDescending(o => o.Id),
            _ => throw new ArgumentOutOfRangeException(nameof(sort), sort, "Not a sort this test knows."),
        };
        return sorted.Select(o => o.Id).ToListAsync();
    });

    private static List<long> Ids(IEnumerable<JsonElement> rows) => rows.Select(r => r.Id()).ToList();

    public static TheoryData<string, string, int> Searches => new()
    {
        { Narrowed, Demo.SellerAdmin, 2 },
        { Narrowed, Demo.FabrikamAdmin, 25 },
        { WalkedOn, Demo.SellerAdmin, 4 },
        { WalkedOn, Demo.FabrikamAdmin, 200 },
        { Dense, Demo.SellerAdmin, 200 },
        { Dense, Demo.FabrikamAdmin, 25 },
        { "quokka", Demo.SellerAdmin, 1 },
    };

    [Theory]
    [MemberData(nameof(Searches))]
    public async Task AFrequentTerm_ListsExactlyTheCustomersMatches_NewestFirst_PageAfterPage(string term, string email, int limit)
    {
        await SeedAsync();
        var expected = await ExpectedAsync(term);
        Assert.NotEmpty(expected);
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        Assert.Equal(expected, Ids(await client.AllPagesAsync($"{All}&q={Uri.EscapeDataString(term)}", limit)));
    }

    /// <summary>
    /// A term on thousands of other customers' items and on none of this customer's is looked up in this customer's names
    /// and notes alone (<see cref="CustomerOfferNames"/>): no statement of the request reads items for it, neither the
    /// platform's item lookup nor a walk of the customer's orders checking theirs (which, before, read all of a big
    /// customer's orders to prove the term absent: performance.md point 24).
    /// </summary>
    [Theory]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.FabrikamAdmin)]
    public async Task ATermOnNoItemOfTheCustomer_IsLookedUpInItsNamesAlone_HoweverManyOthersBoughtIt(string email)
    {
        await SeedAsync();
        var expected = await ExpectedAsync(OthersOnly);
        Assert.Equal(2, expected.Count);
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        var url = $"{All}&q={Uri.EscapeDataString(OthersOnly)}";
        Assert.Equal(expected, Ids(await client.AllPagesAsync(url, limit: 25)));

        var statements = await app.Statements.OfGetAsync(client, $"{OrdersUrl}?{url}&limit=25");
        Assert.Single(statements, s => s.Contains("\"OrderItems\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// A term on the customer's items, frequent on the platform, whose matches here are older than a thousand of the customer's
    /// orders (or, by number, lower than theirs): the page is read by the customer's items of the offer names holding it, in
    /// the list's order (<see cref="OrderItemListKeys"/>: by date, or by number), not by walking the orders before its matches
    /// and checking each — no statement of the request reads the orders' offer names, which only the walk checks
    /// (performance.md points 26 and 27). On PostgreSQL; SQLite walks, as it did before.
    /// </summary>
    [Theory]
    [InlineData(Narrowed, Demo.SellerAdmin, "-date")]
    [InlineData(Narrowed, Demo.FabrikamAdmin, "-date")]
    [InlineData(WalkedOn, Demo.SellerAdmin, "-date")]
    [InlineData(WalkedOn, Demo.FabrikamAdmin, "-date")]
    [InlineData(Narrowed, Demo.SellerAdmin, "-number")]
    [InlineData(WalkedOn, Demo.FabrikamAdmin, "-number")]
    [InlineData(WalkedOn, Demo.SellerAdmin, "number")]
    [InlineData(Dense, Demo.FabrikamAdmin, "number")]
    public async Task AFrequentTermOnTheCustomersItems_IsReadByThoseItems_NotByWalkingItsOrders(string term, string email, string sort)
    {
        await SeedAsync();
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        var url = $"{All}&sort={sort}&q={Uri.EscapeDataString(term)}";
        Assert.Equal(await ExpectedAsync(term, sort: sort), Ids(await client.AllPagesAsync(url, limit: 2)));

        var statements = await app.Statements.OfGetAsync(client, $"{OrdersUrl}?{url}&limit=2");
        var readByItems = statements.Any(s => s.Contains(OrderQueries.OfferNameItemsTag, StringComparison.Ordinal));
        var walked = statements.Any(s => s.Contains($"\"{nameof(Order.VisibleOfferNames)}\"", StringComparison.Ordinal));
        // SQLite walks: its names-and-notes lookup cannot prove a term on every order's offers absent cheaply (point 26).
        Assert.Equal((app.Provider == DatabaseProvider.Postgres, app.Provider != DatabaseProvider.Postgres), (readByItems, walked));
        // The number sort's reads take nothing its index lacks: with the date read too, the date's index held every column and a
        // generic plan read all of a name's items from it and sorted them (point 27: 14.6 ms per name instead of 0.08).
        Assert.All(statements.Where(s => s.Contains(OrderQueries.OfferNameItemsTag, StringComparison.Ordinal)),
            s => Assert.Equal(!sort.EndsWith("number", StringComparison.Ordinal), s.Contains($"\"{OrderItemListKeys.OrderDate}\"", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A term that is an order's number finds that order however else it is searched: here it is also in an offer name of the
    /// customer's, but only on a markup change, which the customer's admin never sees — so the offer names yield no item and
    /// no order for them, and the order of that number must still be listed.
    /// </summary>
    [Fact]
    public async Task ANumberInAHiddenOfferName_StillFindsTheOrderOfThatNumber()
    {
        await SeedAsync();
        var (numbered, hidden) = await app.WithDbAsync(async db =>
        {
            var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.AcronisProtect);
            var fabrikam = await db.Organizations.SingleAsync(o => o.Id == DemoData.Fabrikam);
            var actor = await SellerAdminActorAsync(db);
            var spec = NewSubscriptionSpec(offer);
            var at = await db.Orders.MinAsync(o => o.Date);
            var orders = new[] { "Numbered", "Hidden markup" }.Select(name =>
            {
                var order = Order.CreateCart(fabrikam, actor, OrganizationType.Seller, name, at.AddDays(-1));
                order.AddItem(spec, actor, at.AddDays(-1));
                return order;
            }).ToList();
            db.Orders.AddRange(orders);
            await db.SaveChangesAsync();
            var (numbered, hidden) = (orders[0].Id, orders[1].Id);
            await db.OrderItems.Where(i => i.OrderId == hidden).ExecuteUpdateAsync(s => s
                .SetProperty(i => i.OfferName, $"Markup review {numbered}").SetProperty(i => i.Kind, OrderItemKind.ChangeMarkup));
            await db.Orders.Where(o => o.Id == hidden).ExecuteUpdateAsync(s => s.SetProperty(o => o.IsMarkupOnly, true));
            return (numbered, hidden);
        });
        var term = numbered.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var admin = await app.ClientAsync(Demo.FabrikamAdmin, Demo.Fabrikam);
        Assert.Equal([numbered], Ids(await admin.AllPagesAsync($"{All}&q={term}", limit: 25)));
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        Assert.Equal([numbered, hidden], Ids(await anna.AllPagesAsync($"{All}&q={term}", limit: 25)).Order());
    }

    /// <summary>
    /// When the list's own filters leave few of the term's orders — here a date filter before the customer's ~1,000 newest
    /// orders of the dense term — reading the items stops after <see cref="OrderQueries.SearchOfferNameRounds"/> rounds and
    /// the walk goes on from where they stopped: the list is still exactly the matches, each once, page after page.
    /// </summary>
    [Theory]
    [InlineData(Demo.SellerAdmin, 7)]
    [InlineData(Demo.FabrikamAdmin, 3)]
    public async Task AFrequentTermTheFiltersMostlyExclude_IsWalkedOnFromWhereTheItemsStopped(string email, int limit)
    {
        await SeedAsync();
        var day = await DayBeforeTheDenseBlockAsync();
        var expected = await ExpectedAsync(Dense, day.ToDateTime(TimeOnly.MaxValue, DateTimeKind.Utc));
        Assert.Equal(201, expected.Count);
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        var url = $"{All}&to={day:yyyy-MM-dd}&q={Uri.EscapeDataString(Dense)}";
        Assert.Equal(expected, Ids(await client.AllPagesAsync(url, limit)));
        // The first page: the items read in every round, then the walk (the only statement reading the orders' offer names).
        var statements = await app.Statements.OfGetAsync(client, $"{OrdersUrl}?{url}&limit={limit}");
        Assert.Equal(app.Provider == DatabaseProvider.Postgres ? OrderQueries.SearchOfferNameRounds : 0,
            statements.Count(s => s.Contains(OrderQueries.OfferNameItemsTag, StringComparison.Ordinal)
                                  && s.Contains($"\"{OrderItemListKeys.OrderDate}\"", StringComparison.Ordinal)));
        Assert.Contains(statements, s => s.Contains($"\"{nameof(Order.VisibleOfferNames)}\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// A frequent term's walk checks each of the customer's orders on its own row (the order's offer names,
    /// <see cref="OrderOfferNames"/>): apart from the search's own statements (the item reads by offer name and the platform's
    /// item lookup on PostgreSQL; SQLite's FTS5 lookup) no statement of the request reads items but the page's own (before, the
    /// walk probed every order's items: ~4 µs each, performance.md point 25). The list of the test above, whose filters
    /// leave so few of the term's orders that PostgreSQL too walks on after reading the items.
    /// </summary>
    [Theory]
    [InlineData(Demo.SellerAdmin)]
    [InlineData(Demo.FabrikamAdmin)]
    public async Task AFrequentTermsWalk_ChecksEachOrderOnItsOwnRow_NotOnItsItems(string email)
    {
        await SeedAsync();
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        var url = $"{OrdersUrl}?{All}&to={await DayBeforeTheDenseBlockAsync():yyyy-MM-dd}&q={Uri.EscapeDataString(Dense)}&limit=3";

        var statements = await app.Statements.OfGetAsync(client, url);
        var walking = statements.Where(s => s.Contains($"\"{nameof(Order.VisibleOfferNames)}\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(walking);
        Assert.All(walking, s => Assert.DoesNotContain("\"OrderItems\"", s, StringComparison.Ordinal));
    }

    /// <summary>
    /// The day before the dense term's newest block (the customer's newest orders, a day after anything else): only its 200
    /// older orders are up to that day's end, and the old order with the term in its name.
    /// </summary>
    private async Task<DateOnly> DayBeforeTheDenseBlockAsync()
    {
        var newestBlock = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == DemoData.Fabrikam)
            .OrderByDescending(o => o.Date).Skip(OrderQueries.SearchWalkBudget - 2).Select(o => o.Date).FirstAsync());
        return DateOnly.FromDateTime(newestBlock).AddDays(-1);
    }

    [Theory]
    [InlineData(Narrowed, "number")]
    [InlineData(WalkedOn, "date")]
    [InlineData(Narrowed, "status")]
    [InlineData(Dense, "-status")]
    public async Task AFrequentTerm_InEachSort_ListsTheSameOrders(string term, string sort)
    {
        await SeedAsync();
        var expected = await ExpectedAsync(term);
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var rows = await anna.AllPagesAsync($"{All}&sort={sort}&q={Uri.EscapeDataString(term)}", limit: 3);
        Assert.Equal(expected.Order(), Ids(rows).Order());
        Assert.Equal(Ids(rows).Count, Ids(rows).Distinct().Count());
    }

    [Fact]
    public async Task AFrequentTerm_IsFoundInTheExportToo()
    {
        await SeedAsync();
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var csv = await (await anna.GetAsync($"{OrdersUrl}/export?{All}&q={Uri.EscapeDataString(Narrowed)}")).Content.ReadAsStringAsync();
        var ids = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => long.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(await ExpectedAsync(Narrowed), ids);
    }
}

public sealed class FrequentTermSearchTestsOnSqlite(SqliteFactory app) : FrequentTermSearchTests(app), IClassFixture<SqliteFactory>;
public sealed class FrequentTermSearchTestsOnPostgres(PostgresFactory app) : FrequentTermSearchTests(app), IClassFixture<PostgresFactory>;

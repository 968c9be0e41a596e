using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.Features.Organizations;
using CloudMarket.Features.Subscriptions;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Orders;

/// <summary>
/// Shared arrangements of the order suites: item requests as api.md writes them, HTTP calls with the
/// order headers (If-Match, Idempotency-Key), a database snapshot of an order to prove "unchanged",
/// and the provisioning worker's part (there is no HTTP path for it) done through the domain.
/// </summary>
public static class OrderKit
{
    public const string OrdersUrl = "/api/v1/orders";

    /// <summary>The demo seller's admin as the author of orders that a test writes through the domain.</summary>
    public static async Task<EventActor> SellerAdminActorAsync(AppDbContext db)
    {
        var user = await db.Users.SingleAsync(u => u.Email == Demo.SellerAdmin);
        var seller = await db.Organizations.SingleAsync(o => o.Id == user.OrganizationId);
        return new EventActor(user.Id, user.FullName, seller.Id, seller.Name);
    }

    /// <summary>A new subscription of one licence of an offer, as the tests that write orders through the domain add it.</summary>
    public static ItemSpec NewSubscriptionSpec(Offer offer) => new(OrderItemKind.NewSubscription, offer, null, 1, BillingCycle.Monthly, [],
        new AdminContact("it@example.com", "Ida", "Lund"), null, null, null, 10m, 20m);

    /// <summary>
    /// Carts of a customer written through the domain, one a minute from <paramref name="from"/>, each with one item whose offer name
    /// is the one given for it (written after the save: no offer of the catalog bears it), for the search tests' own rows.
    /// </summary>
    public static async Task<List<long>> AddOrdersWithOfferNamesAsync(AppDbContext db, Organization customer, DateTime from,
        IReadOnlyList<string> offerNames)
    {
        var offer = await db.Offers.SingleAsync(o => o.Id == DemoData.OfferIds.AcronisProtect);
        var actor = await SellerAdminActorAsync(db);
        var orders = offerNames.Select((_, n) =>
        {
            var order = Order.CreateCart(customer, actor, OrganizationType.Seller, $"Generated {n}", from.AddMinutes(n));
            order.AddItem(NewSubscriptionSpec(offer), actor, from.AddMinutes(n));
            return order;
        }).ToList();
        db.Orders.AddRange(orders);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        foreach (var named in orders.Zip(offerNames).GroupBy(p => p.Second, p => p.First.Id))
        {
            var ids = named.ToList();
            await db.OrderItems.Where(i => ids.Contains(i.OrderId)).ExecuteUpdateAsync(s => s.SetProperty(i => i.OfferName, named.Key));
        }
        return orders.Select(o => o.Id).ToList();
    }

    public static readonly object FabrikamContact = new { email = "it@fabrikam.example", firstName = "Ida", lastName = "Lund" };

    /// <summary>A contact the vendor sandbox rejects (InvalidAdminEmail).</summary>
    public static readonly object BadContact = new { email = "nobody@invalid.example", firstName = "No", lastName = "Body" };

    // ---- item requests (api.md, "An item in requests") --------------------------------------

    public static object NewSubscription(string offerId, int quantity, string? tenant = null, object? contact = null,
        object[]? addons = null, string billingCycle = "monthly") =>
        new { kind = "newSubscription", offerId, quantity, billingCycle, addons = addons ?? [], adminContact = contact ?? FabrikamContact, tenantName = tenant };

    /// <summary>A new Microsoft 365 Business Premium on a tenant ("name" alone means name.onmicrosoft.com).</summary>
    public static object NewMicrosoft(string tenant, int quantity = 5, object? contact = null, params object[] addons) =>
        NewSubscription(DemoData.OfferIds.BusinessPremium, quantity, tenant.Contains('.') ? tenant : tenant + ".onmicrosoft.com", contact, addons);

    public static object NewE3(int quantity = 5) => NewSubscription(DemoData.OfferIds.E3, quantity, "fabrikam.onmicrosoft.com");

    public static object NewAcronis(int quantity = 3, object? contact = null) => NewSubscription(DemoData.OfferIds.AcronisProtect, quantity, contact: contact);

    public static object Increase(Guid subscriptionId, int quantity) => new { kind = "increaseQuantity", subscriptionId, quantity };

    public static object Decrease(Guid subscriptionId, int quantity) => new { kind = "decreaseQuantity", subscriptionId, quantity };

    public static object CancelItem(Guid subscriptionId) => new { kind = "cancel", subscriptionId };

    public static object Suspend(Guid subscriptionId) => new { kind = "suspend", subscriptionId };

    public static object Reactivate(Guid subscriptionId) => new { kind = "reactivate", subscriptionId };

    public static object AutoRenew(Guid subscriptionId, bool autoRenew) => new { kind = "changeAutoRenew", subscriptionId, autoRenew };

    public static object Markup(Guid subscriptionId, decimal markupPercent) => new { kind = "changeMarkup", subscriptionId, markupPercent };

    // ---- HTTP -------------------------------------------------------------------------------

    public static async Task<JsonElement> CreateCartAsync(this HttpClient client, params object[] items) =>
        await client.PostJsonAsync(OrdersUrl, new { items }, HttpStatusCode.Created);

    public static async Task<long> CreateCartIdAsync(this HttpClient client, params object[] items) =>
        (await client.CreateCartAsync(items)).Id();

    public static Task<JsonElement> OrderAsync(this HttpClient client, long id) => client.GetJsonAsync($"{OrdersUrl}/{id}");

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null,
        string? ifMatch = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body, options: CloudMarketFactory.Json);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (idempotencyKey is not null) request.Headers.Add(PlaceIdempotency.Header, idempotencyKey);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> ActAsync(this HttpClient client, long id, string action, string? ifMatch = null, string? idempotencyKey = null, object? body = null) =>
        client.SendAsync(HttpMethod.Post, $"{OrdersUrl}/{id}/{action}", body, ifMatch, idempotencyKey);

    public static Task<HttpResponseMessage> PlaceAsync(this HttpClient client, long id, string? idempotencyKey = null, string? ifMatch = null) =>
        client.ActAsync(id, "place", ifMatch, idempotencyKey);

    public static Task<HttpResponseMessage> NoteAsync(this HttpClient client, long id, string? text, string? ifMatch = null) =>
        client.SendAsync(HttpMethod.Put, $"{OrdersUrl}/{id}/note", new { text }, ifMatch);

    /// <summary>A 4xx answer that is RFC 9457 problem details with the expected status.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var problem = await response.JsonAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Every row of a list, following nextCursor to the end.</summary>
    public static async Task<List<JsonElement>> AllPagesAsync(this HttpClient client, string query = "", int limit = 200) =>
        (await client.PagesAsync(query, limit)).SelectMany(p => p).ToList();

    /// <summary>
    /// The pages of a list, following nextCursor to the end, optionally doing something between two
    /// requests. A cursor that comes back twice, or a list that never ends, fails instead of hanging.
    /// </summary>
    public static async Task<List<List<JsonElement>>> PagesAsync(this HttpClient client, string query, int limit, Func<Task>? between = null)
    {
        var pages = new List<List<JsonElement>>();
        var cursors = new HashSet<string>();
        string? cursor = null;
        do
        {
            var url = $"{OrdersUrl}?limit={limit}" + (query.Length > 0 ? "&" + query : "") + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await client.GetJsonAsync(url);
            pages.Add(page.GetProperty("items").EnumerateArray().ToList());
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            Assert.True(cursor is null || cursors.Add(cursor), $"the cursor {cursor} came back twice: paging would never end");
            Assert.True(pages.Count < 2000, "the list never ends");
            if (cursor is not null && between is not null) await between();
        } while (cursor is not null);
        return pages;
    }

    /// <summary>A browser session (cookie and antiforgery, no redirects followed) signed in on the sign-in page, for the pages and their endpoints.</summary>
    public static async Task<HttpClient> PageClientAsync(this CloudMarketFactory app, string email)
    {
        var browser = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await browser.GetStringAsync("/signin");
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["password"] = CloudMarketFactory.DemoPassword, ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return browser;
    }

    /// <summary>The cells of one CSV line (RFC 4180 quoting, as the export writes it).</summary>
    public static string[] CsvCells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        line = line.TrimEnd('\r');
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells.ToArray();
    }

    // ---- reading JSON -----------------------------------------------------------------------

    public static long Id(this JsonElement order) => order.GetProperty("id").GetInt64();

    public static string Status(this JsonElement order) => order.GetProperty("status").GetString()!;

    public static int Version(this JsonElement order) => order.GetProperty("version").GetInt32();

    public static List<JsonElement> Items(this JsonElement order) => order.GetProperty("items").EnumerateArray().ToList();

    public static List<JsonElement> Events(this JsonElement order) => order.GetProperty("events").EnumerateArray().ToList();

    public static Guid ItemId(this JsonElement order, int index) => order.Items()[index].GetProperty("id").GetGuid();

    /// <summary>The one item of the given kind (its API name, e.g. "changeMarkup").</summary>
    public static JsonElement ItemOfKind(this JsonElement order, string kind) => order.Items().Single(i => i.GetProperty("kind").GetString() == kind);

    /// <summary>The status transitions (from ≠ to) of an order's history, as "from→to".</summary>
    public static List<string> Transitions(this JsonElement order) => order.Events()
        .Where(e => e.GetProperty("from").ValueKind == JsonValueKind.Null || e.GetProperty("from").GetString() != e.GetProperty("to").GetString())
        .Select(e => $"{(e.GetProperty("from").ValueKind == JsonValueKind.Null ? "" : e.GetProperty("from").GetString())}→{e.GetProperty("to").GetString()}")
        .ToList();

    /// <summary>Every property name anywhere in a JSON document.</summary>
    public static IEnumerable<string> AllPropertyNames(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => p.Value.AllPropertyNames().Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(AllPropertyNames),
        _ => [],
    };

    /// <summary>Every string value anywhere in a JSON document.</summary>
    public static IEnumerable<string> AllStrings(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => p.Value.AllStrings()),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(AllStrings),
        JsonValueKind.String => [element.GetString()!],
        _ => [],
    };

    // ---- the database -----------------------------------------------------------------------

    /// <summary>What an order is in the database: compared before and after a refused request.</summary>
    public sealed record Snapshot(string Status, int Version, string Name, string? Note, DateTime Date, DateTime? PlacedAt,
        int EventCount, string Items, int Jobs);

    public static Task<Snapshot> SnapshotAsync(this CloudMarketFactory app, long id) => app.WithDbAsync(async db =>
    {
        var o = await db.Orders.AsNoTracking().Include(x => x.Items).Include(x => x.Events).AsSplitQuery().SingleAsync(x => x.Id == id);
        var items = string.Join("\n", o.Items.OrderBy(i => i.Position).Select(i =>
            $"{i.Id}|{i.Kind}|{i.Quantity}|{i.Description}|{i.ProvisioningStatus}|{i.ProvisioningAttempt}|{i.AdminEmail}|{i.TenantName}|{i.MarkupPercent}|{i.ErrorCode}|" +
            string.Join(",", i.Addons.Select(a => $"{a.OfferId}x{a.Quantity}"))));
        var jobs = await db.ProvisioningJobs.CountAsync(j => j.OrderId == id);
        return new Snapshot(o.Status.ToString(), o.Version, o.Name, o.Note, o.Date, o.PlacedAt, o.Events.Count, items, jobs);
    });

    public static Task<int> JobCountAsync(this CloudMarketFactory app, long id) =>
        app.WithDbAsync(db => db.ProvisioningJobs.CountAsync(j => j.OrderId == id));

    /// <summary>
    /// The provisioning worker's part, done through the domain as the worker does it: sends the pending
    /// items and records one vendor answer per item still waiting (true = provisioned, false = rejected),
    /// by item position; items not named succeed.
    /// </summary>
    public static Task ProvisionAsync(this CloudMarketFactory app, long id, params bool[] outcomes) => app.WithDbAsync(async db =>
    {
        var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        var now = DateTime.UtcNow;
        order.StartProvisioning(now);
        foreach (var (item, i) in order.Items.OrderBy(i => i.Position).Select((item, i) => (item, i)).ToList())
        {
            if (item.ProvisioningStatus != ItemProvisioningStatus.ProvisioningStarted) continue; // settled before a retry
            var ok = i >= outcomes.Length || outcomes[i];
            if (ok) order.RecordItemProvisioned(item.Id, $"vendor-{item.Id:N}", now);
            else order.RecordItemRejected(item.Id, "InvalidAdminEmail", $"The vendor rejected {item.OfferName}: the admin contact is not valid.", now);
        }
        await db.SaveChangesAsync();
        return 0;
    });

    /// <summary>provisioningFinished → completed with every item applied to the subscriptions, as the worker does it.</summary>
    public static Task CompleteAsync(this CloudMarketFactory app, long id) => app.WithDbAsync(async db =>
    {
        var order = await db.Orders.Include(o => o.Items).SingleAsync(o => o.Id == id);
        await OrderCompletion.CompleteAsync(db, order, DateTime.UtcNow, CancellationToken.None);
        return await db.SaveChangesAsync();
    });

    /// <summary>The id of a demo order of a customer in a status (not markup-only unless asked).</summary>
    public static Task<long> DemoOrderAsync(this CloudMarketFactory app, Guid customer, OrderStatus status, bool markupOnly = false) =>
        app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == customer && o.Status == status && o.IsMarkupOnly == markupOnly && o.Items.Any())
            .OrderBy(o => o.CreatedAt).Select(o => o.Id).FirstAsync());

    public static Task<long> OrderNamedAsync(this CloudMarketFactory app, string name) =>
        app.WithDbAsync(db => db.Orders.Where(o => o.Name == name).Select(o => o.Id).SingleAsync());

    public static Task<Guid> UserIdAsync(this CloudMarketFactory app, string email) =>
        app.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
}

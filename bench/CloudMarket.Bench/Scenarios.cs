using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CloudMarket.Bench;

/// <summary>One measured request kind. Lists carry their filter and cursor so their SQL can be timed directly.</summary>
public sealed record Scenario(string Name, bool AsSeller, Func<long, string> Url, OrderListFilter? Filter = null, string? Cursor = null, int? Clients = null,
    bool OnBehalf = true, bool SignedIn = true);

public sealed class Scenarios(string baseUrl, Options opt)
{
    /// <summary>The demo users' password the benchmark seeds the app with and signs in with.</summary>
    public const string DemoPassword = "Demo123!";
    public const string SellerEmail = "seller.admin@contoso.example";
    public const string CustomerEmail = "customer.admin@fabrikam.example";
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(120),
    };
    public string SellerToken { get; private set; } = "";
    public string CustomerToken { get; private set; } = "";
    public HttpClient Http => _http;
    public List<Scenario> All { get; } = [];
    public Options Options => opt;

    public static AppDbContext Context(Options opt, params IInterceptor[] interceptors) => opt.Provider == "Postgres"
        ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseAppNpgsql(opt.ConnectionString).AddInterceptors(interceptors).Options)
        : new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite($"Data Source={opt.SqliteFile}").AddInterceptors(interceptors).Options);

    public async Task SignInAsync()
    {
        SellerToken = await TokenAsync(SellerEmail);
        CustomerToken = await TokenAsync(CustomerEmail);
    }

    private async Task<string> TokenAsync(string email)
    {
        var response = await _http.PostAsJsonAsync("/api/v1/auth/token", new { email, password = DemoPassword });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    public HttpRequestMessage Request(HttpMethod method, string url, bool asSeller, bool onBehalf = true, bool signedIn = true)
    {
        var message = new HttpRequestMessage(method, url);
        if (!signedIn) return message;
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", asSeller ? SellerToken : CustomerToken);
        // The seller works in Fabrikam's Customer View (but for its own workspace); Fabrikam's own admin needs no header.
        if (asSeller && onBehalf) message.Headers.Add("X-On-Behalf-Of", DemoData.Fabrikam.ToString());
        return message;
    }

    /// <summary>The big customer's deep cursors and detail ids, read from the data set.</summary>
    public async Task PrepareAsync()
    {
        await using var db = Context(opt);
        var fabrikam = db.Orders.AsNoTracking().Where(o => o.CustomerId == DemoData.Fabrikam);
        var count = await fabrikam.CountAsync();
        async Task<string> CursorAt(int pages)
        {
            var offset = Math.Max(0, Math.Min(pages * OrderListFilter.DefaultLimit, count - OrderListFilter.DefaultLimit) - 1);
            var row = await fabrikam.OrderByDescending(o => o.Date).ThenByDescending(o => o.Id).Skip(offset)
                .Select(o => new { o.Date, o.Id }).FirstAsync();
            return OrderQueries.EncodeCursor(row.Date, row.Id);
        }
        var deep100 = await CursorAt(100);
        var deep5000 = await CursorAt(5000);
        var detailIds = await fabrikam.Where(o => !o.IsMarkupOnly && o.Id % 97 == 0).OrderBy(o => o.Id).Select(o => o.Id).Take(1000).ToListAsync();
        var newest = await fabrikam.MaxAsync(o => o.Date);
        var exportFrom = newest.AddDays(-30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Depth5000 = Math.Min(5000, count / OrderListFilter.DefaultLimit);

        // The floor under every list: what a list request costs this app on this machine before it reads any order. The
        // liveness probe is Kestrel and the middleware alone (no sign-in, no database). The empty page is a list request
        // like the others (the bearer token, the session check with the customer and its seller, the page's statement,
        // the JSON) whose dates hold no order: its statement finds nothing and no items are read. A list's cost less this
        // one is what its orders cost (docs/performance.md, point 38).
        All.Add(new Scenario("floor: liveness, not signed in", true, _ => "/health/live", OnBehalf: false, SignedIn: false));
        All.Add(new Scenario("floor: an empty page (seller)", true, _ => "/api/v1/orders?view=historical&state=all&to=" + EmptyBefore));

        var all = new OrderListFilter(OrderView.Historical, HistoricalState.All);
        foreach (var seller in new[] { true, false })
        {
            var who = seller ? "seller" : "customer admin";
            void List(string name, string query, OrderListFilter filter, string? cursor = null, int? clients = null) =>
                All.Add(new Scenario($"{name} ({who})", seller, _ => "/api/v1/orders?" + query + (cursor is null ? "" : "&cursor=" + cursor), filter, cursor, clients));
            List("recent", "view=recent", new OrderListFilter(OrderView.Recent));
            List("historical active", "view=historical&state=active", new OrderListFilter(OrderView.Historical, HistoricalState.Active));
            List("historical draft", "view=historical&state=draft", new OrderListFilter(OrderView.Historical, HistoricalState.Draft));
            List("historical all", "view=historical&state=all", all);
            List("status failed", "view=historical&state=all&status=failed", all with { Status = OrderStatus.Failed });
            List("page 100 deep", "view=historical&state=all", all, deep100);
            List($"page {Depth5000} deep", "view=historical&state=all", all, deep5000);
            List("search rare", "view=historical&state=all&q=" + Uri.EscapeDataString(Generator.RareTerm), all with { Search = Generator.RareTerm });
            List("search frequent", "view=historical&state=all&q=" + Uri.EscapeDataString(Generator.FrequentTerm), all with { Search = Generator.FrequentTerm });
            // The same in the number sort: walked the customer's orders until point 27 (21–23 ms after placing).
            List("search frequent by number", "view=historical&state=all&sort=-number&q=" + Uri.EscapeDataString(Generator.FrequentTerm),
                all with { Search = Generator.FrequentTerm, Sort = new OrderSort(OrderSortKey.Number, Ascending: false) });
            // Frequent on the platform, absent from Fabrikam: walked all of its orders until point 23 (seconds per request).
            List("search frequent elsewhere, none here", "view=historical&state=all&q=" + Uri.EscapeDataString(Generator.ElsewhereTerm),
                all with { Search = Generator.ElsewhereTerm });
            // The same over the wider cap of 3,000 items: walked all of Fabrikam's orders until point 24.
            List("search widespread elsewhere, none here", "view=historical&state=all&q=" + Uri.EscapeDataString(Generator.WidespreadElsewhereTerm),
                all with { Search = Generator.WidespreadElsewhereTerm });
            All.Add(new Scenario($"detail ({who})", seller, i => $"/api/v1/orders/{detailIds[(int)(i % detailIds.Count)]}"));
            All.Add(new Scenario($"CSV export, 30 days ({who})", seller, _ => $"/api/v1/orders/export?view=historical&state=all&from={exportFrom}", Clients: 2));
        }
        // The seller admin's own workspace, over its half of the generated customers.
        All.Add(new Scenario("needs attention (seller)", true, _ => "/api/v1/attention", OnBehalf: false));
        // Its chart (orders per day, vendors' failure rates over 30 days), which the Needs attention page draws with it.
        All.Add(new Scenario("attention chart (seller)", true, _ => "/api/v1/attention/activity", OnBehalf: false));
    }

    public int Depth5000 { get; private set; }

    /// <summary>A day before every generated order (they span the three years before the run): a page to it is empty.</summary>
    private const string EmptyBefore = "2001-01-01";

    public async Task WarmUpAsync(TimeSpan duration)
    {
        var quick = All.Where(s => s.Clients is null).ToList();
        await Load.RunAsync(_http, "warm-up (every list, detail)", i => Make(quick[(int)(i % quick.Count)], i), opt.Clients, duration);
    }

    private HttpRequestMessage Make(Scenario s, long i) => Request(HttpMethod.Get, s.Url(i), s.AsSeller, s.OnBehalf, s.SignedIn);

    public Task<LoadResult> RunAsync(Scenario s, int clients, TimeSpan duration) =>
        Load.RunAsync(_http, s.Name, i => Make(s, i), clients, duration);

    /// <summary>One client's times at the server for a list, for <paramref name="duration"/> (see <see cref="SqlTimer"/>).</summary>
    public Task<List<double>> ServerTimesAsync(Scenario s, TimeSpan duration) => Load.ServerTimesAsync(_http, i => Make(s, i), duration);

    public async Task<List<LoadResult>> RunAllAsync()
    {
        var results = new List<LoadResult>();
        foreach (var s in All)
        {
            results.Add(await Load.RunAsync(_http, s.Name, i => Make(s, i), 1, TimeSpan.FromSeconds(opt.LatencySeconds)));
            results.Add(await Load.RunAsync(_http, s.Name, i => Make(s, i), s.Clients ?? opt.Clients, TimeSpan.FromSeconds(opt.Seconds)));
        }
        return results;
    }
}

using System.Net;
using System.Net.Http.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Security;

/// <summary>
/// Every role × every customer-scoped endpoint × own customer / another seller's customer
/// (quality.md, Security), and every role × the users endpoints × a user of its own / another organization. The expected answer of each cell is written down in <see cref="Expected"/>
/// and in docs/authorization.md.
/// </summary>
public abstract class AuthorizationMatrixApiTests(CloudMarketFactory app)
{
    /// <summary>What a role gets on a customer: R = reads (200), B = buys and changes, N = writes notes, 404 = not visible.</summary>
    private sealed record Access(bool Visible, bool Buys, bool WritesNotes);

    private static readonly Access Full = new(true, true, true);
    private static readonly Access ReadOnly = new(true, false, false);
    private static readonly Access ReadAndNotes = new(true, false, true);
    private static readonly Access Hidden = new(false, false, false);

    // The written-down matrix: role → (Fabrikam, a Contoso customer; Adatum, a Litware customer).
    private static readonly Dictionary<string, (Access Fabrikam, Access Adatum)> Expected = new()
    {
        [Demo.DistributorAdmin] = (Full, Full),
        [Demo.DistributorReadOnly] = (ReadOnly, ReadOnly),
        [Demo.SellerAdmin] = (Full, Hidden),
        [Demo.AccountManager] = (Full, Hidden),
        [Demo.SubscriptionsManager] = (Full, Hidden),
        [Demo.SupportAgent] = (ReadOnly, Hidden),
        [Demo.LitwareAdmin] = (Hidden, Full),
        [Demo.FabrikamAdmin] = (Full, Hidden),
        [Demo.FabrikamCustomer] = (Full, Hidden),
        [Demo.FabrikamBilling] = (ReadAndNotes, Hidden),
        [Demo.TailspinAdmin] = (Hidden, Hidden),
        [Demo.AdatumAdmin] = (Hidden, Full),
    };

    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in Expected.Keys)
            foreach (var customer in new[] { "fabrikam", "adatum" })
                data.Add(role, customer);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task EveryEndpoint_AnswersAsTheMatrixSays(string email, string customerName)
    {
        var (customer, subscriptionId, ownerEmail) = customerName == "fabrikam"
            ? (Demo.Fabrikam, DemoData.SubscriptionIds.FabrikamExchange, Demo.SellerAdmin)
            : (Demo.Adatum, DemoData.SubscriptionIds.AdatumPremium, Demo.LitwareAdmin);
        var access = customerName == "fabrikam" ? Expected[email].Fabrikam : Expected[email].Adatum;
        var owner = await app.ClientAsync(ownerEmail, customer);
        var caller = await app.ClientAsync(email, customer);
        var increase = new { kind = "increaseQuantity", subscriptionId, quantity = 40 };

        async Task<long> NewCart() =>
            (await owner.PostJsonAsync("/api/v1/orders", new { items = new[] { increase } }, HttpStatusCode.Created)).GetProperty("id").GetInt64();

        var hidden = HttpStatusCode.NotFound;
        HttpStatusCode Read() => access.Visible ? HttpStatusCode.OK : hidden;
        HttpStatusCode Buy(HttpStatusCode success) => !access.Visible ? hidden : access.Buys ? success : HttpStatusCode.Forbidden;
        HttpStatusCode Note() => !access.Visible ? hidden : access.WritesNotes ? HttpStatusCode.OK : HttpStatusCode.Forbidden;

        var failures = new List<string>();
        async Task Check(string what, HttpStatusCode expected, Func<Task<HttpResponseMessage>> call)
        {
            var response = await call();
            if (response.StatusCode != expected)
                failures.Add($"{what}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var cart = await NewCart();
        await Check("GET orders", Read(), () => caller.GetAsync("/api/v1/orders"));
        await Check("GET orders historical all", Read(), () => caller.GetAsync("/api/v1/orders?view=historical&state=all"));
        await Check("GET order", Read(), () => caller.GetAsync($"/api/v1/orders/{cart}"));
        await Check("GET export", Read(), () => caller.GetAsync("/api/v1/orders/export"));
        await Check("GET subscriptions", Read(), () => caller.GetAsync("/api/v1/subscriptions"));
        await Check("GET subscription", Read(), () => caller.GetAsync($"/api/v1/subscriptions/{subscriptionId}"));
        await Check("GET catalog", Read(), () => caller.GetAsync("/api/v1/catalog/offers"));
        await Check("POST orders", Buy(HttpStatusCode.Created), () => caller.PostAsJsonAsync("/api/v1/orders", new { items = new[] { increase } }));
        await Check("PATCH order", Buy(HttpStatusCode.OK), () => caller.PatchAsJsonAsync($"/api/v1/orders/{cart}", new { name = "Renamed" }));
        await Check("POST item", Buy(HttpStatusCode.OK), () => caller.PostAsJsonAsync($"/api/v1/orders/{cart}/items",
            new { kind = "changeAutoRenew", subscriptionId, autoRenew = false }));
        await Check("PUT note", Note(), () => caller.PutAsJsonAsync($"/api/v1/orders/{cart}/note", new { text = "checked" }));
        await Check("POST draft", Buy(HttpStatusCode.OK), () => caller.PostAsync($"/api/v1/orders/{cart}/draft", null));
        await Check("POST resume", Buy(HttpStatusCode.OK), () => caller.PostAsync($"/api/v1/orders/{cart}/resume", null));
        // retry and close are refused by the status (409) for whoever may try them at all.
        await Check("POST retry", Buy(HttpStatusCode.Conflict), () => caller.PostAsync($"/api/v1/orders/{cart}/retry", null));
        await Check("POST close", Buy(HttpStatusCode.Conflict), () => caller.PostAsync($"/api/v1/orders/{cart}/close", null));
        var items = (await owner.GetJsonAsync($"/api/v1/orders/{cart}")).GetProperty("items");
        var firstItem = items[0].GetProperty("id").GetGuid();
        await Check("PUT item", Buy(HttpStatusCode.OK), () => caller.PutAsJsonAsync($"/api/v1/orders/{cart}/items/{firstItem}", increase));
        await Check("DELETE item", Buy(HttpStatusCode.OK), () => caller.DeleteAsync($"/api/v1/orders/{cart}/items/{items[items.GetArrayLength() - 1].GetProperty("id").GetGuid()}"));
        await Check("DELETE order", Buy(HttpStatusCode.OK), () => caller.DeleteAsync($"/api/v1/orders/{cart}"));
        var toPlace = await NewCart();
        await Check("POST place", Buy(HttpStatusCode.Accepted), () => caller.PostAsync($"/api/v1/orders/{toPlace}/place", null));

        Assert.True(failures.Count == 0, $"{email} on {customerName}:\n" + string.Join("\n", failures));
    }

    // ---- users: every role × a user of its own organization / of another organization ----------

    /// <summary>Each demo user's organization admin (who creates the target users), and a non-admin role of that level.</summary>
    private static readonly Dictionary<string, (string Admin, string Role)> OwnOrganization = new()
    {
        [Demo.DistributorAdmin] = (Demo.DistributorAdmin, "distributorReadOnly"),
        [Demo.DistributorReadOnly] = (Demo.DistributorAdmin, "distributorReadOnly"),
        [Demo.SellerAdmin] = (Demo.SellerAdmin, "supportAgent"),
        [Demo.AccountManager] = (Demo.SellerAdmin, "supportAgent"),
        [Demo.SubscriptionsManager] = (Demo.SellerAdmin, "supportAgent"),
        [Demo.SupportAgent] = (Demo.SellerAdmin, "supportAgent"),
        [Demo.LitwareAdmin] = (Demo.LitwareAdmin, "supportAgent"),
        [Demo.FabrikamAdmin] = (Demo.FabrikamAdmin, "customer"),
        [Demo.FabrikamCustomer] = (Demo.FabrikamAdmin, "customer"),
        [Demo.FabrikamBilling] = (Demo.FabrikamAdmin, "customer"),
        [Demo.TailspinAdmin] = (Demo.TailspinAdmin, "customer"),
        [Demo.AdatumAdmin] = (Demo.AdatumAdmin, "customer"),
    };

    /// <summary>The organizations' admins manage their users (docs/authorization.md, "Users").</summary>
    private static readonly HashSet<string> UserAdmins = [Demo.DistributorAdmin, Demo.SellerAdmin, Demo.LitwareAdmin, Demo.FabrikamAdmin, Demo.TailspinAdmin, Demo.AdatumAdmin];

    public static TheoryData<string, string> UserCells()
    {
        var data = new TheoryData<string, string>();
        foreach (var role in OwnOrganization.Keys)
            foreach (var target in new[] { "own", "other" })
                data.Add(role, target);
        return data;
    }

    [Theory]
    [MemberData(nameof(UserCells))]
    public async Task UsersEndpoints_AnswerAsTheMatrixSays(string email, string target)
    {
        var own = OwnOrganization[email];
        // Another organization: Litware's for Contoso's users, Contoso's for everyone else.
        var (admin, role) = target == "own" ? own : own.Admin == Demo.SellerAdmin ? OwnOrganization[Demo.LitwareAdmin] : OwnOrganization[Demo.SellerAdmin];
        var targetUser = await (await app.ClientAsync(admin)).PostJsonAsync("/api/v1/users",
            new { email = $"matrix-{Guid.NewGuid():N}@{admin.Split('@')[1]}", firstName = "Matrix", lastName = "Target", role }, HttpStatusCode.Created);
        var id = targetUser.GetProperty("id").GetGuid();
        var caller = await app.ClientAsync(email);
        var isAdmin = UserAdmins.Contains(email);
        HttpStatusCode Expect(HttpStatusCode success) => !isAdmin ? HttpStatusCode.Forbidden : target == "own" ? success : HttpStatusCode.NotFound;

        var failures = new List<string>();
        async Task Check(string what, HttpStatusCode expected, Func<Task<HttpResponseMessage>> call)
        {
            var response = await call();
            if (response.StatusCode != expected)
                failures.Add($"{what}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var list = await caller.GetAsync("/api/v1/users");
        if (list.StatusCode != (isAdmin ? HttpStatusCode.OK : HttpStatusCode.Forbidden))
            failures.Add($"GET users: got {(int)list.StatusCode}");
        else if (isAdmin && (await list.Content.ReadAsStringAsync()).Contains(id.ToString()) != (target == "own"))
            failures.Add("GET users: the list must hold the caller's own organization's users only");
        await Check("POST users", isAdmin ? HttpStatusCode.Created : HttpStatusCode.Forbidden, () => caller.PostAsJsonAsync("/api/v1/users",
            new { email = $"matrix-{Guid.NewGuid():N}@{email.Split('@')[1]}", firstName = "Matrix", lastName = "New", role = own.Role }));
        await Check("GET user", Expect(HttpStatusCode.OK), () => caller.GetAsync($"/api/v1/users/{id}"));
        await Check("PATCH user", Expect(HttpStatusCode.OK), () => caller.PatchAsJsonAsync($"/api/v1/users/{id}", new { lastName = "Checked" }));
        await Check("POST deactivate", Expect(HttpStatusCode.OK), () => caller.PostAsync($"/api/v1/users/{id}/deactivate", null));
        await Check("POST reactivate", Expect(HttpStatusCode.OK), () => caller.PostAsync($"/api/v1/users/{id}/reactivate", null));

        // Whatever the caller could not do left the target as it was.
        var after = await (await app.ClientAsync(admin)).GetJsonAsync($"/api/v1/users/{id}");
        var changes = after.GetProperty("changes").GetArrayLength();
        if (isAdmin && target == "own" ? changes != 4 : changes != 1)
            failures.Add($"the target's record holds {changes} changes");

        Assert.True(failures.Count == 0, $"{email} on a user of {target} organization:\n" + string.Join("\n", failures));
    }
}

public sealed class AuthorizationMatrixApiTestsOnSqlite(SqliteFactory app) : AuthorizationMatrixApiTests(app), IClassFixture<SqliteFactory>;
public sealed class AuthorizationMatrixApiTestsOnPostgres(PostgresFactory app) : AuthorizationMatrixApiTests(app), IClassFixture<PostgresFactory>;

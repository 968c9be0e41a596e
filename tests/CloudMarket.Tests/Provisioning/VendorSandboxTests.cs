using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Provisioning;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.VendorPolicies;
using CloudMarket.VendorSandbox;

namespace CloudMarket.Tests.Provisioning;

/// <summary>The sandbox's own contract over HTTP: its business rules, its idempotency store and its faults.</summary>
public sealed class VendorSandboxTests : IAsyncLifetime
{
    private VendorSandboxServer _sandbox = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        // As the sandbox runs on its own (--vendor-sandbox): knowing the demo's tenants and subscriptions.
        _sandbox = await VendorSandboxServer.StartAsync(new VendorSandboxOptions { InProcess = false }, world: SandboxWorlds.Demo(DateTime.UtcNow));
        _http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _sandbox.ApiKey);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, object? body,
        string? key = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString("N"));
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static string Code(JsonElement body) => body.GetProperty("code").GetString()!;

    [Fact]
    public void TheDemoCatalog_IsWhatTheSandboxesVendorsSell_WithTheSameLimitsTermsAndWindows()
    {
        // The sandbox is its own project and states its vendors' products itself; the platform's demo catalog must
        // offer exactly those, or an order the platform accepts would be refused by the vendor (or the reverse).
        var offers = DemoData.CreateOffers();
        Assert.Equal(offers.Select(o => o.Id).Order(), SandboxProducts.All.Keys.Order());
        foreach (var o in offers)
        {
            var p = SandboxProducts.All[o.Id];
            Assert.Equal((o.Name, o.MinQuantity, o.MaxQuantity, o.TermMonths, o.CanSuspend, o.CancellationWindowHours),
                (p.Name, p.MinQuantity, p.MaxQuantity, p.TermMonths, p.CanSuspend, p.CancellationWindowHours));
        }
    }

    private Task<(HttpStatusCode, JsonElement, HttpResponseMessage)> CreateCustomerAsync(string domain, string email = "it@fabrikam.example", string? key = null) =>
        SendAsync(HttpMethod.Post, "partner/v1/customers", new { domain, companyName = "Fabrikam", externalReference = "fabrikam", adminEmail = email }, key);

    [Fact]
    public async Task PartnerCenter_RefusesATakenTenant_AndAnUnreachableAdmin()
    {
        var (taken, takenBody, _) = await CreateCustomerAsync("contoso.onmicrosoft.com");
        Assert.Equal(HttpStatusCode.Conflict, taken);
        Assert.Equal("DomainAlreadyExists", Code(takenBody));

        var (unreachable, unreachableBody, _) = await CreateCustomerAsync("fabrikam-x.onmicrosoft.com", "admin@invalid.example");
        Assert.Equal(HttpStatusCode.BadRequest, unreachable);
        Assert.Equal("AdminEmailUnreachable", Code(unreachableBody));

        // A tenant belongs to whoever created it first.
        Assert.Equal(HttpStatusCode.Created, (await CreateCustomerAsync("fabrikam-y.onmicrosoft.com")).Item1);
        var (other, otherBody, _) = await SendAsync(HttpMethod.Post, "partner/v1/customers",
            new { domain = "fabrikam-y.onmicrosoft.com", externalReference = "someone-else", adminEmail = "a@b.example" });
        Assert.Equal(HttpStatusCode.Conflict, other);
        Assert.Equal("DomainAlreadyExists", Code(otherBody));
    }

    [Fact]
    public async Task PartnerCenter_CartAboveTheOffersLimit_IsRefused_AndCheckoutIsFulfilledLineByLine()
    {
        var (_, customer, _) = await CreateCustomerAsync($"t{Guid.NewGuid().ToString("N")[..12]}");
        var customerId = customer.GetProperty("id").GetString();
        var (tooMany, tooManyBody, _) = await SendAsync(HttpMethod.Post, $"partner/v1/customers/{customerId}/carts",
            new { lineItems = new[] { new { id = 0, catalogItemId = DemoData.OfferIds.BusinessBasic, quantity = 301 } } });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal("QuantityAboveLimit", Code(tooManyBody));

        var (_, cart, _) = await SendAsync(HttpMethod.Post, $"partner/v1/customers/{customerId}/carts",
            new { lineItems = new[] { new { id = 0, catalogItemId = DemoData.OfferIds.BusinessBasic, quantity = 300 } } });
        var (status, order, _) = await SendAsync(HttpMethod.Post, $"partner/v1/customers/{customerId}/carts/{cart.GetProperty("id").GetString()}/checkout", null);
        Assert.Equal(HttpStatusCode.Created, status);
        var provisioning = await _http.GetFromJsonAsync<JsonElement>($"partner/v1/customers/{customerId}/orders/{order.GetProperty("id").GetString()}/provisioningstatus");
        Assert.Equal("fulfilled", provisioning.GetProperty("status").GetString());
        Assert.StartsWith("sub-", provisioning.GetProperty("lineItems")[0].GetProperty("subscriptionId").GetString());
    }

    [Fact]
    public async Task Changes_FollowTheVendorsRules_DecreaseWindowAndSuspension()
    {
        var e3 = DemoData.SubscriptionIds.FabrikamE3;
        var (decrease, decreaseBody, _) = await SendAsync(HttpMethod.Patch, $"partner/v1/customers/fabrikam.onmicrosoft.com/subscriptions/{e3}",
            new { offerId = DemoData.OfferIds.E3, quantity = 9 });
        Assert.Equal(HttpStatusCode.Conflict, decrease);
        Assert.Equal("CancellationWindowExpired", Code(decreaseBody));
        var (increase, increaseBody, _) = await SendAsync(HttpMethod.Patch, $"partner/v1/customers/fabrikam.onmicrosoft.com/subscriptions/{e3}",
            new { offerId = DemoData.OfferIds.E3, quantity = 11 });
        Assert.Equal(HttpStatusCode.OK, increase);
        Assert.Equal(11, increaseBody.GetProperty("quantity").GetInt32());

        var (suspend, suspendBody, _) = await SendAsync(HttpMethod.Patch, $"generic/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamBitdefender}",
            new { offerId = DemoData.OfferIds.BitdefenderBusiness, suspended = true });
        Assert.Equal(HttpStatusCode.Conflict, suspend);
        Assert.Equal("SuspensionNotSupported", Code(suspendBody));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Patch, $"generic/v1/subscriptions/{DemoData.SubscriptionIds.FabrikamAcronis}",
            new { offerId = DemoData.OfferIds.AcronisProtect, suspended = false })).Item1);
    }

    [Fact]
    public async Task ASeededWorld_KeepsTenantsWithTheirOwners_AndRefusesDecreasesByTheOffersWindow()
    {
        var now = DateTime.UtcNow;
        var offers = DemoData.CreateOffers().ToDictionary(o => o.Id);
        var fresh = new SandboxWorldSubscription("sub-fresh", DemoData.OfferIds.E3, 10, false, true, now.AddDays(-6));
        var old = new SandboxWorldSubscription("sub-old", DemoData.OfferIds.E3, 10, false, true, now.AddDays(-8));
        var acronis = new SandboxWorldSubscription("sub-acronis", DemoData.OfferIds.AcronisProtect, 10, false, true, now.AddYears(-2));
        await using var seeded = await VendorSandboxServer.StartAsync(new VendorSandboxOptions { InProcess = false }, world: new SandboxWorld(
            [new SandboxWorldTenant("Owned.onmicrosoft.com", "customer-1")], [fresh, old, acronis]));
        using var http = new HttpClient { BaseAddress = seeded.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", seeded.ApiKey);
        async Task<(HttpStatusCode, JsonElement)> Send(HttpMethod method, string path, object body)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            var response = await http.SendAsync(request);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        Assert.Equal("customer-1", seeded.State.TenantOwner("owned.onmicrosoft.com"));
        var (own, _) = await Send(HttpMethod.Post, "partner/v1/customers", new { domain = "owned.onmicrosoft.com", externalReference = "customer-1", adminEmail = "a@b.example" });
        Assert.Equal(HttpStatusCode.OK, own);
        var (other, otherBody) = await Send(HttpMethod.Post, "partner/v1/customers", new { domain = "owned.onmicrosoft.com", externalReference = "customer-2", adminEmail = "a@b.example" });
        Assert.Equal(HttpStatusCode.Conflict, other);
        Assert.Equal("DomainAlreadyExists", Code(otherBody));

        // The platform's policy and figures: 168 hours from the start of the term.
        var (late, lateBody) = await Send(HttpMethod.Patch, "partner/v1/customers/x/subscriptions/sub-old", new { offerId = DemoData.OfferIds.E3, quantity = 9 });
        Assert.Equal(HttpStatusCode.Conflict, late);
        Assert.Equal("CancellationWindowExpired", Code(lateBody));
        Assert.Equal($"Microsoft 365 E3: {CancellationPolicy.DecreaseRefusal(offers[DemoData.OfferIds.E3].CancellationWindowHours, old.TermStartedAt, now)}",
            lateBody.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Patch, "partner/v1/customers/x/subscriptions/sub-fresh", new { offerId = DemoData.OfferIds.E3, quantity = 9 })).Item1);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Patch, "generic/v1/subscriptions/sub-acronis", new { offerId = DemoData.OfferIds.AcronisProtect, quantity = 2 })).Item1);
    }

    [Fact]
    public async Task ARepeatedIdempotencyKey_GetsTheFirstAnswer_AndBuysNothingMore()
    {
        var body = new { offerId = DemoData.OfferIds.AcronisProtect, quantity = 5, customerReference = "c1", adminEmail = "it@c1.example" };
        var first = await SendAsync(HttpMethod.Post, "generic/v1/subscriptions", body, key: "item-1");
        var purchases = _sandbox.State.Purchases.Count;
        var replays = _sandbox.State.Replays;

        var again = await SendAsync(HttpMethod.Post, "generic/v1/subscriptions", body, key: "item-1");

        Assert.Equal(HttpStatusCode.Created, again.Status);
        Assert.Equal(first.Body.GetProperty("id").GetString(), again.Body.GetProperty("id").GetString());
        Assert.Equal(purchases, _sandbox.State.Purchases.Count);
        Assert.Equal(replays + 1, _sandbox.State.Replays);
    }

    [Fact]
    public async Task WithoutKeyOrCredentials_NothingHappens()
    {
        var noKey = await _http.PostAsJsonAsync("generic/v1/subscriptions", new { offerId = DemoData.OfferIds.AcronisProtect, quantity = 1, adminEmail = "a@b.example" });
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        using var anonymous = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("sandbox/purchases")).StatusCode);
        Assert.Empty(_sandbox.State.Purchases);
    }

    [Fact]
    public async Task WithoutAConfiguredKey_TheSandboxMakesOneUp_AndTheOldBuiltInKeyIsRefused()
    {
        Assert.False(string.IsNullOrEmpty(_sandbox.ApiKey));
        Assert.NotEqual("sandbox-key", _sandbox.ApiKey);
        using var oldKey = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        oldKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sandbox-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldKey.GetAsync("sandbox/purchases")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("sandbox/purchases")).StatusCode);
    }

    [Fact]
    public async Task InjectedFaults_Answer429WithRetryAfter_Or503_BeforeDoingAnything()
    {
        _sandbox.Faults.Set(new SandboxFaults { TooManyRequestsRate = 1, RetryAfterSeconds = 7 });
        var throttled = await SendAsync(HttpMethod.Post, "generic/v1/subscriptions", new { offerId = DemoData.OfferIds.AcronisProtect, quantity = 1, adminEmail = "a@b.example" });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Response.Headers.RetryAfter?.Delta);

        _sandbox.Faults.Set(new SandboxFaults { ServerErrorRate = 1 });
        var before = _sandbox.State.Purchases.Count;
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await SendAsync(HttpMethod.Post, "generic/v1/subscriptions", new { offerId = DemoData.OfferIds.AcronisProtect, quantity = 1, adminEmail = "a@b.example" })).Status);
        Assert.Equal(before, _sandbox.State.Purchases.Count);

        var invalid = await _http.PutAsJsonAsync("sandbox/faults", new { serverErrorRate = 0.8, timeoutRate = 0.5 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        _sandbox.Faults.Set(new SandboxFaults());
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _sandbox.DisposeAsync();
    }
}

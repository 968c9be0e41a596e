using System.Net;
using System.Text.Json;
using CloudMarket.Features.Provisioning;
using CloudMarket.Data;
using CloudMarket.Features.Subscriptions;
using CloudMarket.VendorSandbox;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Provisioning;

/// <summary>
/// A Microsoft tenant belongs to one customer. The platform records whose it is and refuses another
/// customer's before placing; the vendor sandbox starts from the platform's data (the tenants exist
/// there and belong to their customers), so a clash only the vendor can see still ends as
/// provisioningFailed with the vendor's message. Over HTTP, with the worker and the in-process sandbox.
/// </summary>
public abstract class TenantOwnershipApiTests(CloudMarketFactory app)
{
    private const string FabrikamTenant = "fabrikam.onmicrosoft.com";

    private VendorSandboxServer Sandbox => app.Services.GetRequiredService<InProcessVendorSandbox>().Server;

    private Task<HttpClient> TailspinAsync() => app.ClientAsync(Demo.TailspinAdmin);

    private Task<HttpClient> FabrikamAsync() => app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);

    private Task<int> OrderCountAsync(Guid customer) => app.WithDbAsync(db => db.Orders.CountAsync(o => o.CustomerId == customer));

    private static string NewTenant(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}.onmicrosoft.com";

    private static void AssertNamesAnothersTenant(JsonElement problem, string field, string tenant)
    {
        var message = Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString();
        Assert.Equal($"The tenant {tenant} belongs to another customer; name one of this customer's tenants or a new one.", message);
        Assert.DoesNotContain("Fabrikam", problem.GetRawText()); // whose it is is not said
    }

    [Fact]
    public async Task NamingAnotherCustomersTenant_IsRefused_WhenCreatingOrAddingToACart_AndNothingIsStored()
    {
        var tom = await TailspinAsync();
        var orders = await OrderCountAsync(Demo.Tailspin);

        foreach (var tenant in new[] { FabrikamTenant, " FABRIKAM.onmicrosoft.com" })
        {
            var problem = await (await tom.SendAsync(HttpMethod.Post, OrderKit.OrdersUrl, new { items = new[] { NewAcronis(1), NewMicrosoft(tenant) } }))
                .ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["items[1].tenantName"], problem.ErrorFields());
            AssertNamesAnothersTenant(problem, "items[1].tenantName", FabrikamTenant);
        }
        Assert.Equal(orders, await OrderCountAsync(Demo.Tailspin));

        var cart = await tom.CreateCartIdAsync(NewAcronis(1));
        var before = await app.SnapshotAsync(cart);
        var added = await (await tom.SendAsync(HttpMethod.Post, $"{OrderKit.OrdersUrl}/{cart}/items", NewMicrosoft(FabrikamTenant))).ProblemAsync(HttpStatusCode.BadRequest);
        AssertNamesAnothersTenant(added, "tenantName", FabrikamTenant);
        Assert.Equal(before, await app.SnapshotAsync(cart));
    }

    [Fact]
    public async Task ATenantRecordedForAnotherCustomerSinceTheCartWasFilled_IsRefusedAtPlacing_ThenEachKeepsItsOwn()
    {
        var tom = await TailspinAsync();
        var contested = NewTenant("shared");
        var tailspinCart = await tom.CreateCartIdAsync(NewMicrosoft(contested));

        // Fabrikam buys into the new tenant first: completing its order records the tenant as Fabrikam's.
        var fabrikam = await FabrikamAsync();
        var first = await WaitForAsync(fabrikam, await PlaceAsync(fabrikam, "First on the tenant", NewMicrosoft(contested)), FinalOrWaiting);
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal(Demo.Fabrikam, await app.WithDbAsync(db => db.CustomerTenants.Where(t => t.Name == contested).Select(t => t.CustomerId).SingleAsync()));

        var before = await app.SnapshotAsync(tailspinCart);
        var problem = await (await tom.PlaceAsync(tailspinCart, Guid.NewGuid().ToString())).ProblemAsync(HttpStatusCode.BadRequest);
        AssertNamesAnothersTenant(problem, "items[0].tenantName", contested);
        Assert.Equal(before, await app.SnapshotAsync(tailspinCart));
        Assert.Equal(0, before.Jobs);

        // Fabrikam's next orders on its tenants go through: nobody else got into them.
        foreach (var tenant in new[] { contested, FabrikamTenant })
        {
            var next = await WaitForAsync(fabrikam, await PlaceAsync(fabrikam, $"Again on {tenant}", NewMicrosoft(tenant, 2)), FinalOrWaiting);
            Assert.Equal("completed", next.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task TheSandboxStartsFromThePlatformsData_EveryRecordedTenantBelongsToItsCustomerThere()
    {
        var tenants = await app.WithDbAsync(db => db.CustomerTenants.AsNoTracking().ToListAsync());
        Assert.Contains(tenants, t => t.Name == FabrikamTenant && t.CustomerId == Demo.Fabrikam);
        var startedWith = tenants.Where(t => t.RecordedAt < DateTime.UtcNow.AddMinutes(-1)).ToList(); // the demo's, not this run's
        Assert.NotEmpty(startedWith);
        Assert.All(startedWith, t => Assert.Equal(t.CustomerId.ToString(), Sandbox.State.TenantOwner(t.Name)));
    }

    [Fact]
    public async Task ATenantTakenAtTheVendorOnly_EndsProvisioningFailed_WithTheVendorsMessage()
    {
        var tom = await TailspinAsync();

        // Taken at Microsoft by an organization outside the platform.
        var outside = await WaitForAsync(tom, await PlaceAsync(tom, "Outside tenant", NewMicrosoft("contoso.onmicrosoft.com")), FinalOrWaiting);
        AssertVendorRefused(outside, "contoso.onmicrosoft.com");

        // A platform customer's tenant the platform has lost its record of: the vendor still knows whose it is.
        await app.WithDbAsync(db => db.CustomerTenants.Where(t => t.Name == "wingtiptoys.onmicrosoft.com").ExecuteDeleteAsync());
        var lost = await WaitForAsync(tom, await PlaceAsync(tom, "Lost record", NewMicrosoft("wingtiptoys.onmicrosoft.com")), FinalOrWaiting);
        AssertVendorRefused(lost, "wingtiptoys.onmicrosoft.com");

        // Correcting it to another customer's tenant is refused like any other naming of it.
        var item = lost.GetProperty("items")[0].GetProperty("id").GetGuid();
        var retry = await (await tom.SendAsync(HttpMethod.Post, $"{OrderKit.OrdersUrl}/{lost.GetProperty("id").GetInt64()}/retry",
            new { items = new[] { new { itemId = item, tenantName = FabrikamTenant } } })).ProblemAsync(HttpStatusCode.BadRequest);
        AssertNamesAnothersTenant(retry, "items[0].tenantName", FabrikamTenant);
    }

    private static void AssertVendorRefused(JsonElement order, string tenant)
    {
        Assert.Equal("provisioningFailed", order.GetProperty("status").GetString());
        var error = order.GetProperty("items")[0].GetProperty("error");
        Assert.Equal("DomainAlreadyExists", error.GetProperty("code").GetString());
        Assert.Equal($"The domain {tenant} is already in use by another organization.", error.GetProperty("message").GetString());
    }
}

[Collection(nameof(ProvisioningSqliteCollection))]
public sealed class TenantOwnershipSqliteApiTests(ProvisioningSqliteFactory app) : TenantOwnershipApiTests(app), IClassFixture<ProvisioningSqliteFactory>;

[Collection(nameof(ProvisioningPostgresCollection))]
public sealed class TenantOwnershipPostgresApiTests(ProvisioningPostgresFactory app) : TenantOwnershipApiTests(app), IClassFixture<ProvisioningPostgresFactory>;

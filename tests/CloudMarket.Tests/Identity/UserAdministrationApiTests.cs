using System.Net;
using System.Net.Http.Json;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Identity.UserKit;

namespace CloudMarket.Tests.Identity;

/// <summary>
/// An organization's admins manage its users: list, add with a role of their level, rename, change
/// role, deactivate and reactivate; nobody raises their own role, deactivates themselves, or reaches
/// another organization's users; every change is recorded with who made it. (Every role × own and
/// other organization is in <c>AuthorizationMatrixApiTests</c>.)
/// </summary>
public abstract class UserAdministrationApiTests(CloudMarketFactory app)
{
    [Fact]
    public async Task List_ShowsTheAdminsOwnOrganizationsUsers_WithRoleAndActive()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        var items = (await client.GetJsonAsync("/api/v1/users")).GetProperty("items").EnumerateArray().ToList();
        var byEmail = items.ToDictionary(u => u.GetProperty("email").GetString()!);
        foreach (var (email, role) in new[] { (Demo.SellerAdmin, "sellerAdmin"), (Demo.AccountManager, "accountManager"),
                     (Demo.SubscriptionsManager, "subscriptionsManager"), (Demo.SupportAgent, "supportAgent") })
        {
            Assert.Equal(role, byEmail[email].GetProperty("role").GetString());
            Assert.True(byEmail[email].GetProperty("active").GetBoolean());
        }
        Assert.All(items, u => Assert.EndsWith("@contoso.example", u.GetProperty("email").GetString()));
        Assert.Equal(["id", "email", "firstName", "lastName", "role", "active"], items[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Create_AddsAUserWithARoleOfTheAdminsLevel_AndAnInitialPasswordThatSignsIn()
    {
        var client = await app.ClientAsync(Demo.LitwareAdmin);
        var email = $"new-{Guid.NewGuid():N}@litware.example";
        var response = await client.PostAsJsonAsync("/api/v1/users", new { email, firstName = "Nina", lastName = "Holm", role = "accountManager" });
        var user = await response.JsonAsync(HttpStatusCode.Created);
        var id = user.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/users/{id}", response.Headers.Location?.OriginalString);
        Assert.True(response.Headers.CacheControl?.NoStore, "the answer with the initial password is not cached");
        Assert.Equal("accountManager", user.GetProperty("role").GetString());
        Assert.True(user.GetProperty("active").GetBoolean());

        var password = user.GetProperty("initialPassword").GetString()!;
        var tokens = await SignInAsync(app, email, password);
        var me = await Bearer(app, tokens.AccessToken).GetJsonAsync("/api/v1/me");
        Assert.Equal("Litware Solutions", me.GetProperty("organization").GetProperty("name").GetString());
        Assert.Equal(["accountManager"], me.GetProperty("roles").Strings());

        // The password is shown once: reading the user again does not carry it.
        var again = await client.GetJsonAsync($"/api/v1/users/{id}");
        Assert.False(again.TryGetProperty("initialPassword", out _));
        var created = Assert.Single(again.GetProperty("changes").EnumerateArray());
        Assert.Equal("created", created.GetProperty("change").GetString());
        Assert.Equal("Liam Walsh", created.GetProperty("by").GetProperty("name").GetString());
    }

    public static TheoryData<string, string, string> BadNewUsers => new()
    {
        { Demo.FabrikamAdmin, """{"email":"x1@fabrikam.example","firstName":"A","lastName":"B","role":"sellerAdmin"}""", "role" },
        { Demo.SellerAdmin, """{"email":"x2@contoso.example","firstName":"A","lastName":"B","role":"customerAdmin"}""", "role" },
        { Demo.DistributorAdmin, """{"email":"x3@northwind.example","firstName":"A","lastName":"B","role":"accountManager"}""", "role" },
        { Demo.FabrikamAdmin, """{"email":"x4@fabrikam.example","firstName":"A","lastName":"B"}""", "role" },
        { Demo.FabrikamAdmin, """{"email":"not an e-mail","firstName":"A","lastName":"B","role":"customer"}""", "email" },
        { Demo.FabrikamAdmin, """{"firstName":"A","lastName":"B","role":"customer"}""", "email" },
        { Demo.FabrikamAdmin, """{"email":"x5@fabrikam.example","firstName":" ","lastName":"B","role":"customer"}""", "firstName" },
        { Demo.FabrikamAdmin, """{"email":"x6@fabrikam.example","firstName":"A\u0000","lastName":"B","role":"customer"}""", "firstName" },
        { Demo.FabrikamAdmin, """{"email":"x7@fabrikam.example","firstName":"A","role":"customer"}""", "lastName" },
        { Demo.FabrikamAdmin, "null", "body" },
    };

    [Theory]
    [MemberData(nameof(BadNewUsers))]
    public async Task Create_WithABadField_Answers400NamingIt_AndStoresNothing(string admin, string body, string field)
    {
        var client = await app.ClientAsync(admin);
        var before = await app.WithDbAsync(db => db.Users.CountAsync());
        var problem = await (await client.PostRawAsync("/api/v1/users", body)).JsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before, await app.WithDbAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task Create_WithAnUnknownRole_Answers400()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        var response = await client.PostRawAsync("/api/v1/users", """{"email":"x8@fabrikam.example","firstName":"A","lastName":"B","role":"superAdmin"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_WithAnEmailInUse_Answers409_EvenInAnotherOrganizationOrCase()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        foreach (var email in new[] { Demo.FabrikamCustomer, Demo.SellerAdmin.ToUpperInvariant() })
        {
            var problem = await (await client.PostAsJsonAsync("/api/v1/users", new { email, firstName = "A", lastName = "B", role = "customer" }))
                .JsonAsync(HttpStatusCode.Conflict);
            Assert.Contains("already exists", problem.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task Update_RenamesAndChangesTheRole_RecordingWhoDidWhat()
    {
        var user = await CreateUserAsync(app, Demo.TailspinAdmin, "customer", "Olle", "Berg");
        var client = await app.ClientAsync(Demo.TailspinAdmin);
        var updated = await (await client.PatchAsJsonAsync($"/api/v1/users/{user.Id}", new { firstName = "Ola", role = "customerBillingAdmin" }))
            .JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Ola", updated.GetProperty("firstName").GetString());
        Assert.Equal("Berg", updated.GetProperty("lastName").GetString());
        Assert.Equal("customerBillingAdmin", updated.GetProperty("role").GetString());

        var changes = updated.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["created", "nameChanged", "roleChanged"], changes.Select(c => c.GetProperty("change").GetString()));
        Assert.Equal("Olle Berg → Ola Berg", changes[1].GetProperty("detail").GetString());
        Assert.Equal("customer → customerBillingAdmin", changes[2].GetProperty("detail").GetString());
        var tailspinAdmin = CloudMarket.Data.DemoData.IdFor("user:" + Demo.TailspinAdmin);
        Assert.All(changes, c => Assert.Equal(tailspinAdmin, c.GetProperty("by").GetProperty("userId").GetGuid()));
        Assert.All(changes, c => Assert.True(c.GetProperty("at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5)));

        var listed = (await client.GetJsonAsync("/api/v1/users")).GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == user.Id);
        Assert.Equal("customerBillingAdmin", listed.GetProperty("role").GetString());
    }

    [Theory]
    [InlineData("{}", "body")]
    [InlineData("""{"role":"sellerAdmin"}""", "role")]
    [InlineData("""{"firstName":""}""", "firstName")]
    [InlineData("""{"lastName":"   "}""", "lastName")]
    public async Task Update_WithABadBody_Answers400NamingTheField_AndChangesNothing(string body, string field)
    {
        var user = await CreateUserAsync(app, Demo.TailspinAdmin, "customer");
        var client = await app.ClientAsync(Demo.TailspinAdmin);
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/users/{user.Id}") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        var problem = await (await client.SendAsync(request)).JsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ErrorFields());
        var after = await client.GetJsonAsync($"/api/v1/users/{user.Id}");
        Assert.Equal("customer", after.GetProperty("role").GetString());
        Assert.Single(after.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task Admins_CannotChangeTheirOwnRole_OrDeactivateThemselves()
    {
        // A fresh admin of its own, so refusing it cannot disturb the demo admin's cached token.
        var admin = await CreateUserAsync(app, Demo.AdatumAdmin, "customerAdmin");
        var client = Bearer(app, (await SignInAsync(app, admin.Email, admin.Password)).AccessToken);

        var lower = await client.PatchAsJsonAsync($"/api/v1/users/{admin.Id}", new { role = "customer" });
        await lower.JsonAsync(HttpStatusCode.Forbidden);
        await (await client.PostAsync($"/api/v1/users/{admin.Id}/deactivate", null)).JsonAsync(HttpStatusCode.Forbidden);

        // Renaming oneself is fine, and naming one's own current role is no change.
        await (await client.PatchAsJsonAsync($"/api/v1/users/{admin.Id}", new { firstName = "Renamed", role = "customerAdmin" })).JsonAsync(HttpStatusCode.OK);
        var me = await client.GetJsonAsync($"/api/v1/users/{admin.Id}");
        Assert.Equal("customerAdmin", me.GetProperty("role").GetString());
        Assert.True(me.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task NonAdmins_CannotRaiseTheirOwnRole()
    {
        var user = await CreateUserAsync(app, Demo.AdatumAdmin, "customer");
        var client = Bearer(app, (await SignInAsync(app, user.Email, user.Password)).AccessToken);
        await (await client.PatchAsJsonAsync($"/api/v1/users/{user.Id}", new { role = "customerAdmin" })).JsonAsync(HttpStatusCode.Forbidden);
        var after = await (await app.ClientAsync(Demo.AdatumAdmin)).GetJsonAsync($"/api/v1/users/{user.Id}");
        Assert.Equal("customer", after.GetProperty("role").GetString());
    }

    [Fact]
    public async Task AnotherOrganizationsUser_IsNotFound_ForEveryAction_AndIsNotChanged()
    {
        var contosoUser = await CreateUserAsync(app, Demo.SellerAdmin, "supportAgent");
        var litware = await app.ClientAsync(Demo.LitwareAdmin);
        await litware.GetJsonAsync($"/api/v1/users/{contosoUser.Id}", HttpStatusCode.NotFound);
        await (await litware.PatchAsJsonAsync($"/api/v1/users/{contosoUser.Id}", new { role = "sellerAdmin" })).JsonAsync(HttpStatusCode.NotFound);
        await (await litware.PostAsync($"/api/v1/users/{contosoUser.Id}/deactivate", null)).JsonAsync(HttpStatusCode.NotFound);
        await (await litware.PostAsync($"/api/v1/users/{contosoUser.Id}/reactivate", null)).JsonAsync(HttpStatusCode.NotFound);
        await litware.GetJsonAsync($"/api/v1/users/{Guid.NewGuid()}", HttpStatusCode.NotFound);

        // A seller's admin does not manage its customers' users either.
        var contoso = await app.ClientAsync(Demo.SellerAdmin);
        var fabrikamUser = DemoData.IdFor("user:" + Demo.FabrikamCustomer);
        await (await contoso.PostAsync($"/api/v1/users/{fabrikamUser}/deactivate", null)).JsonAsync(HttpStatusCode.NotFound);

        var after = await contoso.GetJsonAsync($"/api/v1/users/{contosoUser.Id}");
        Assert.Equal("supportAgent", after.GetProperty("role").GetString());
        Assert.True(after.GetProperty("active").GetBoolean());
        Assert.Single(after.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task DeactivateAndReactivate_AreRecorded_AndRepeatingOneChangesNothing()
    {
        var user = await CreateUserAsync(app, Demo.DistributorAdmin, "distributorReadOnly");
        var client = await app.ClientAsync(Demo.DistributorAdmin);
        var off = await client.PostJsonAsync($"/api/v1/users/{user.Id}/deactivate", null, HttpStatusCode.OK);
        Assert.False(off.GetProperty("active").GetBoolean());
        await client.PostJsonAsync($"/api/v1/users/{user.Id}/deactivate", null, HttpStatusCode.OK);
        var listed = (await client.GetJsonAsync("/api/v1/users")).GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == user.Id);
        Assert.False(listed.GetProperty("active").GetBoolean());

        var on = await client.PostJsonAsync($"/api/v1/users/{user.Id}/reactivate", null, HttpStatusCode.OK);
        Assert.True(on.GetProperty("active").GetBoolean());
        Assert.Equal(["created", "deactivated", "reactivated"],
            on.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("change").GetString()));
        Assert.All(on.GetProperty("changes").EnumerateArray(), c => Assert.Equal("Nora Lindqvist", c.GetProperty("by").GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData(Demo.DistributorReadOnly)]
    [InlineData(Demo.AccountManager)]
    [InlineData(Demo.SubscriptionsManager)]
    [InlineData(Demo.SupportAgent)]
    [InlineData(Demo.FabrikamCustomer)]
    [InlineData(Demo.FabrikamBilling)]
    public async Task NonAdmins_Get403_OnEveryUsersEndpoint(string email)
    {
        var client = await app.ClientAsync(email);
        var me = (await client.GetJsonAsync("/api/v1/me")).GetProperty("user").GetProperty("id").GetGuid();
        await client.GetJsonAsync("/api/v1/users", HttpStatusCode.Forbidden);
        await client.GetJsonAsync($"/api/v1/users/{me}", HttpStatusCode.Forbidden);
        await client.PostJsonAsync("/api/v1/users", new { email = $"n-{Guid.NewGuid():N}@x.example", firstName = "A", lastName = "B", role = "customer" }, HttpStatusCode.Forbidden);
        await (await client.PatchAsJsonAsync($"/api/v1/users/{me}", new { firstName = "Me" })).JsonAsync(HttpStatusCode.Forbidden);
        await client.PostJsonAsync($"/api/v1/users/{me}/deactivate", null, HttpStatusCode.Forbidden);
        await client.PostJsonAsync($"/api/v1/users/{me}/reactivate", null, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UsersPage_ShowsOwnOrganizationsUsers_AnotherOrganizationsUserIsNotFound_NonAdminsAreRefused()
    {
        var admin = Browser(app);
        await PageSignInAsync(admin, Demo.LitwareAdmin, CloudMarketFactory.DemoPassword);
        var list = await admin.GetStringAsync("/users");
        Assert.Contains("Liam Walsh", list);
        Assert.DoesNotContain("contoso.example", list);
        var own = await admin.GetAsync($"/users/{DemoData.IdFor("user:" + Demo.LitwareAdmin)}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var other = await admin.GetAsync($"/users/{DemoData.IdFor("user:" + Demo.AccountManager)}");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.DoesNotContain("Marco", await other.Content.ReadAsStringAsync());

        var nonAdmin = Browser(app);
        await PageSignInAsync(nonAdmin, Demo.AccountManager, CloudMarketFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await nonAdmin.GetAsync("/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await nonAdmin.GetAsync($"/users/{DemoData.IdFor("user:" + Demo.SellerAdmin)}")).StatusCode);
    }

    [Fact]
    public async Task UsersEndpoints_WithoutAToken_Answer401()
    {
        var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/users", new { email = "a@b.example" })).StatusCode);
    }
}

public sealed class UserAdministrationApiTestsOnSqlite(SqliteFactory app) : UserAdministrationApiTests(app), IClassFixture<SqliteFactory>;
public sealed class UserAdministrationApiTestsOnPostgres(PostgresFactory app) : UserAdministrationApiTests(app), IClassFixture<PostgresFactory>;

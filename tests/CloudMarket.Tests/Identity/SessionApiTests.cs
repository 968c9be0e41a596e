using System.Net;
using System.Net.Http.Json;
using CloudMarket.Features.Identity;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Identity.UserKit;

namespace CloudMarket.Tests.Identity;

/// <summary>
/// Sessions end when access ends (issue 10, section 2): refresh tokens work once, and every API
/// token and page cookie of a user stops working when the password, the role or the access changes,
/// or the user is locked out or deleted. Each test uses users of its own.
/// </summary>
public abstract class SessionApiTests(CloudMarketFactory app)
{
    [Fact]
    public async Task Token_AnswersAFifteenMinuteAccessTokenAndARefreshToken_NotToBeCached()
    {
        var response = await RequestTokenAsync(app, Demo.SellerAdmin, CloudMarketFactory.DemoPassword);
        var token = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.Equal(15 * 60, token.GetProperty("expiresIn").GetInt32());
        Assert.False(string.IsNullOrEmpty(token.GetProperty("accessToken").GetString()));
        Assert.False(string.IsNullOrEmpty(token.GetProperty("refreshToken").GetString()));
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store on the token answer");

        var refreshed = await RefreshAsync(app, token.GetProperty("refreshToken").GetString()!);
        await refreshed.JsonAsync(HttpStatusCode.OK);
        Assert.True(refreshed.Headers.CacheControl?.NoStore, "Cache-Control: no-store on the refresh answer");
    }

    [Fact]
    public async Task Refresh_WorksOnce_TheOldRefreshTokenFails_AndItsReuseEndsTheNewOneToo()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var first = await SignInAsync(app, user.Email, user.Password);

        var second = await (await RefreshAsync(app, first.RefreshToken)).JsonAsync(HttpStatusCode.OK);
        var secondRefresh = second.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(first.RefreshToken, secondRefresh);
        Assert.NotEqual(first.AccessToken, second.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, second.GetProperty("accessToken").GetString()!));

        // The first refresh token was used: refused, and since someone replayed it, the family ends.
        var replay = await (await RefreshAsync(app, first.RefreshToken)).JsonAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Refresh refused.", replay.GetProperty("title").GetString());
        await (await RefreshAsync(app, secondRefresh)).JsonAsync(HttpStatusCode.Unauthorized);

        // Another sign-in is another family and is not affected.
        var other = await SignInAsync(app, user.Email, user.Password);
        await (await RefreshAsync(app, other.RefreshToken)).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_IsStoredHashed_NeverAsTheTokenItself()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var tokens = await SignInAsync(app, user.Email, user.Password);
        var stored = await app.WithDbAsync(db => db.RefreshTokens.AsNoTracking().Where(t => t.UserId == user.Id).Select(t => t.TokenHash).ToListAsync());
        Assert.Single(stored);
        Assert.DoesNotContain(tokens.RefreshToken, stored);
        Assert.Equal(64, stored[0].Length);
    }

    [Theory]
    [InlineData("{}", HttpStatusCode.BadRequest)]
    [InlineData("{\"refreshToken\": \"\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"refreshToken\": 42}", HttpStatusCode.BadRequest)]
    [InlineData("{", HttpStatusCode.BadRequest)]
    [InlineData("{\"refreshToken\": \"not-a-refresh-token\"}", HttpStatusCode.Unauthorized)]
    [InlineData("{\"refreshToken\": \"a\\u0000b\"}", HttpStatusCode.Unauthorized)]
    public async Task Refresh_WithABadBody_AnswersAClearProblem(string body, HttpStatusCode expected)
    {
        var response = await app.CreateClient().PostRawAsync("/api/v1/auth/refresh", body);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Refresh_WithAnOversizedToken_Answers401()
    {
        var response = await RefreshAsync(app, new string('x', 5000));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Password_Change_EndsEveryTokenAndRefreshOfTheUser_AndOnlyTheNewPasswordSignsIn()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var caller = await SignInAsync(app, user.Email, user.Password);
        var other = await SignInAsync(app, user.Email, user.Password);
        var bystander = await SignInAsync(app, Demo.FabrikamBilling, CloudMarketFactory.DemoPassword);

        var response = await Bearer(app, caller.AccessToken).PostAsJsonAsync("/api/v1/me/password",
            new { currentPassword = user.Password, newPassword = "Changed-Pa55word" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, other.AccessToken));
        // The caller's own token ends too (the answer is 204, without a new token): it signs in again.
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, caller.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, other.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, caller.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, bystander.AccessToken));

        Assert.Equal(HttpStatusCode.Unauthorized, (await RequestTokenAsync(app, user.Email, user.Password)).StatusCode);
        var renewed = await SignInAsync(app, user.Email, "Changed-Pa55word");
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, renewed.AccessToken));

        var changes = await ChangesAsync(app, Demo.FabrikamAdmin, user.Id);
        var change = changes.EnumerateArray().Last();
        Assert.Equal("passwordChanged", change.GetProperty("change").GetString());
        Assert.Equal(user.Id, change.GetProperty("by").GetProperty("userId").GetGuid());
    }

    [Fact]
    public async Task Password_Change_EndsThePageSessionsOfTheUser()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var browser = Browser(app);
        await PageSignInAsync(browser, user.Email, user.Password);
        Assert.True(await PageSignedInAsync(browser));

        var token = await SignInAsync(app, user.Email, user.Password);
        var response = await Bearer(app, token.AccessToken).PostAsJsonAsync("/api/v1/me/password",
            new { currentPassword = user.Password, newPassword = "Changed-Pa55word" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        // The very next page request is sent to sign in.
        Assert.False(await PageSignedInAsync(browser));
    }

    [Fact]
    public async Task Password_ChangedOnThePage_EndsTheOtherBrowsers_AndKeepsThisOneSignedIn()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var here = Browser(app);
        var elsewhere = Browser(app);
        await PageSignInAsync(here, user.Email, user.Password);
        await PageSignInAsync(elsewhere, user.Email, user.Password);
        var token = await SignInAsync(app, user.Email, user.Password);

        var response = await PostFormAsync(here, "/account/password", "/account/password", new()
        {
            ["_handler"] = "change-password",
            ["Form.CurrentPassword"] = user.Password, ["Form.NewPassword"] = "Changed-Pa55word", ["Form.ConfirmPassword"] = "Changed-Pa55word",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/account/password?done=1", response.Headers.Location?.OriginalString);

        Assert.True(await PageSignedInAsync(here));
        Assert.False(await PageSignedInAsync(elsewhere));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, token.AccessToken));
    }

    [Fact]
    public async Task Password_ChangedOnThePage_WithAWrongCurrentPassword_IsShownOnTheFieldAndChangesNothing()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var here = Browser(app);
        await PageSignInAsync(here, user.Email, user.Password);

        var response = await PostFormAsync(here, "/account/password", "/account/password", new()
        {
            ["_handler"] = "change-password",
            ["Form.CurrentPassword"] = "Wrong-Pa55word", ["Form.NewPassword"] = "Changed-Pa55word", ["Form.ConfirmPassword"] = "Changed-Pa55word",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-field=\"currentPassword\"", await response.Content.ReadAsStringAsync());
        Assert.True(await PageSignedInAsync(here));
        await SignInAsync(app, user.Email, user.Password);
    }

    public static TheoryData<string, string, string> BadPasswordChanges => new()
    {
        { "{}", "currentPassword", "missing fields" },
        { "{\"currentPassword\": \"WRONG\", \"newPassword\": \"Changed-Pa55word\"}", "currentPassword", "wrong current password" },
        { "{\"currentPassword\": \"CURRENT\", \"newPassword\": \"short\"}", "newPassword", "too short" },
        { "{\"currentPassword\": \"CURRENT\", \"newPassword\": \"alllowercase-and-long\"}", "newPassword", "no digit or upper case" },
        { "{\"currentPassword\": \"CURRENT\"}", "newPassword", "no new password" },
    };

    [Theory]
    [MemberData(nameof(BadPasswordChanges))]
    public async Task Password_Change_AgainstIdentitysRules_Answers400NamingTheField_AndChangesNothing(string body, string field, string why)
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        var response = await Bearer(app, token.AccessToken).PostRawAsync("/api/v1/me/password", body.Replace("CURRENT", user.Password));
        var problem = await response.JsonAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.ErrorFields().Contains(field), $"{why}: {problem}");

        // Nothing changed: the session lives on and the old password still signs in.
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, token.AccessToken));
        await SignInAsync(app, user.Email, user.Password);
    }

    [Fact]
    public async Task Password_Change_WithoutAToken_Answers401()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "x", newPassword = "Changed-Pa55word" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Deactivation_EndsTokensRefreshAndPageSessions_AndSignInIsRefusedUntilReactivated()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        // Used once before: the instance has the token opened (OpenedBearerTokens), and that must not keep it alive.
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, token.AccessToken));
        var browser = Browser(app);
        await PageSignInAsync(browser, user.Email, user.Password);

        var admin = await app.ClientAsync(Demo.FabrikamAdmin);
        var answer = await admin.PostJsonAsync($"/api/v1/users/{user.Id}/deactivate", null, HttpStatusCode.OK);
        Assert.False(answer.GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, token.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, token.RefreshToken)).StatusCode);
        Assert.False(await PageSignedInAsync(browser));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RequestTokenAsync(app, user.Email, user.Password)).StatusCode);
        var page = await PostFormAsync(Browser(app), "/signin", "/signin", new() { ["email"] = user.Email, ["password"] = user.Password });
        // Refused: the sign-in page again (no redirect into the app, no session cookie).
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Null(page.Headers.Location);
        Assert.DoesNotContain(page.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("cloudmarket.auth=", StringComparison.Ordinal));

        await admin.PostJsonAsync($"/api/v1/users/{user.Id}/reactivate", null, HttpStatusCode.OK);
        var again = await SignInAsync(app, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, again.AccessToken));
        // The tokens from before the deactivation stay dead.
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, token.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, token.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Lockout_EndsTheUsersTokens()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, token.AccessToken));

        for (var i = 0; i < 5; i++) // Security:MaxFailedSignIns
            Assert.Equal(HttpStatusCode.Unauthorized, (await RequestTokenAsync(app, user.Email, "Wrong-Pa55word")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, token.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, token.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task RoleChange_EndsTheUsersTokens_AndTheNextSignInCarriesTheNewRole()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        var browser = Browser(app);
        await PageSignInAsync(browser, user.Email, user.Password);

        var admin = await app.ClientAsync(Demo.FabrikamAdmin);
        await (await admin.PatchAsJsonAsync($"/api/v1/users/{user.Id}", new { role = "customerBillingAdmin" })).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, token.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, token.RefreshToken)).StatusCode);
        Assert.False(await PageSignedInAsync(browser));
        var again = await SignInAsync(app, user.Email, user.Password);
        var me = await Bearer(app, again.AccessToken).GetJsonAsync("/api/v1/me");
        Assert.Equal(["customerBillingAdmin"], me.GetProperty("roles").Strings());
    }

    [Fact]
    public async Task NameChange_KeepsTheUsersSessions()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        var admin = await app.ClientAsync(Demo.FabrikamAdmin);
        await (await admin.PatchAsJsonAsync($"/api/v1/users/{user.Id}", new { lastName = "Renamed" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, token.AccessToken));
    }

    [Fact]
    public async Task DeletedUser_TheirTokenAnswers401_NeverA500_AndCannotCreateOrders()
    {
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var token = await SignInAsync(app, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(app, token.AccessToken));

        await app.WithDbAsync(async db =>
        {
            var row = await db.Users.SingleAsync(u => u.Id == user.Id);
            db.Users.Remove(row);
            return await db.SaveChangesAsync();
        });

        var client = Bearer(app, token.AccessToken);
        var me = await client.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        var order = await client.PostAsJsonAsync("/api/v1/orders", new { name = "After deletion" });
        Assert.Equal(HttpStatusCode.Unauthorized, order.StatusCode);
        Assert.Equal(0, await app.WithDbAsync(db => db.Orders.CountAsync(o => o.Name == "After deletion")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(app, token.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task ForgedOrForeignBearerTokens_Answer401()
    {
        // A refresh token is not an access token.
        var user = await CreateUserAsync(app, Demo.FabrikamAdmin, "customer");
        var tokens = await SignInAsync(app, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, tokens.RefreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(app, tokens.AccessToken + "x"));
    }
}

public sealed class SessionApiTestsOnSqlite(SqliteFactory app) : SessionApiTests(app), IClassFixture<SqliteFactory>;
public sealed class SessionApiTestsOnPostgres(PostgresFactory app) : SessionApiTests(app), IClassFixture<PostgresFactory>;

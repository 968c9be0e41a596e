using System.Net;
using System.Net.Sockets;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// The webhooks API (integrations.md): admins of each level manage their own organization's
/// endpoints; the secret is shown once; bad input is 400 with nothing stored; and with local targets
/// off, loopback and private targets are refused when saved and again at call time, before any
/// connection is made. Tests send traffic only to loopback (a TcpListener that counts connections).
/// </summary>
public abstract class WebhooksApiTests(CloudMarketFactory app)
{
    [Fact]
    public async Task AnAdminCreatesListsUpdatesRotatesAndDeletes_TheSecretShownOnlyOnCreateAndRotate()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var created = await ida.PostJsonAsync(WebhookKit.Url, new { url = "https://hooks.fabrikam.example/cloudmarket", events = new[] { "order.completed" }, description = "PSA" },
            HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.True(created.GetProperty("enabled").GetBoolean());

        var got = await ida.GetJsonAsync($"{WebhookKit.Url}/{id}");
        Assert.False(got.TryGetProperty("secret", out _));
        var list = await ida.GetJsonAsync(WebhookKit.Url);
        Assert.DoesNotContain(secret, list.ToString());
        Assert.Contains(list.GetProperty("items").EnumerateArray(), w => w.GetProperty("id").GetInt64() == id);

        var patched = await (await ida.PatchAsync($"{WebhookKit.Url}/{id}", JsonContent(new { events = new[] { "*" }, enabled = false }))).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["*"], patched.GetProperty("events").Strings());
        Assert.False(patched.GetProperty("enabled").GetBoolean());
        Assert.Equal("PSA", patched.GetProperty("description").GetString());

        var rotated = await ida.PostJsonAsync($"{WebhookKit.Url}/{id}/rotate-secret", null, HttpStatusCode.OK);
        Assert.NotEqual(secret, rotated.GetProperty("secret").GetString());
        // Stored encrypted: the database alone does not give the secret away, the app's keys do.
        var newSecret = rotated.GetProperty("secret").GetString()!;
        var stored = await app.WithDbAsync(db => db.Set<WebhookEndpoint>().Where(e => e.Id == id).Select(e => e.ProtectedSecret).SingleAsync());
        Assert.DoesNotContain(newSecret, stored);
        Assert.DoesNotContain(newSecret["whsec_".Length..], stored);
        Assert.Equal(newSecret, app.Services.GetRequiredService<WebhookSecrets>().Reveal(stored));

        await ida.DeleteJsonAsync($"{WebhookKit.Url}/{id}", HttpStatusCode.NoContent);
        await ida.GetJsonAsync($"{WebhookKit.Url}/{id}", HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(Demo.AccountManager)]
    [InlineData(Demo.SupportAgent)]
    [InlineData(Demo.FabrikamCustomer)]
    [InlineData(Demo.FabrikamBilling)]
    [InlineData(Demo.DistributorReadOnly)]
    public async Task NonAdmins_Get403(string email)
    {
        var client = await app.ClientAsync(email);
        await client.GetJsonAsync(WebhookKit.Url, HttpStatusCode.Forbidden);
        await client.PostJsonAsync(WebhookKit.Url, new { url = "https://a.example/x", events = new[] { "*" } }, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnotherOrganizationsEndpoint_Is404ForEveryVerb()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var (id, _) = await anna.CreateWebhookAsync(new Uri("https://hooks.contoso.example/x"));
        foreach (var other in new[] { Demo.LitwareAdmin, Demo.FabrikamAdmin, Demo.DistributorAdmin })
        {
            var client = await app.ClientAsync(other);
            await client.GetJsonAsync($"{WebhookKit.Url}/{id}", HttpStatusCode.NotFound);
            await client.GetJsonAsync($"{WebhookKit.Url}/{id}/deliveries", HttpStatusCode.NotFound);
            await client.PostJsonAsync($"{WebhookKit.Url}/{id}/rotate-secret", null, HttpStatusCode.NotFound);
            await client.PostJsonAsync($"{WebhookKit.Url}/{id}/test", null, HttpStatusCode.NotFound);
            await client.DeleteJsonAsync($"{WebhookKit.Url}/{id}", HttpStatusCode.NotFound);
        }
        await anna.GetJsonAsync($"{WebhookKit.Url}/{id}");
    }

    [Theory]
    [InlineData("""{"events":["*"]}""", "url")]
    [InlineData("""{"url":"not a url","events":["*"]}""", "url")]
    [InlineData("""{"url":"ftp://a.example/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"http://a.example/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"https://user:pw@a.example/x","events":["*"]}""", "url")]
    [InlineData("""{"url":"https://a.example/x"}""", "events")]
    [InlineData("""{"url":"https://a.example/x","events":[]}""", "events")]
    [InlineData("""{"url":"https://a.example/x","events":["order.exploded"]}""", "events")]
    public async Task BadInput_Is400NamingTheField_AndNothingIsStored(string body, string field)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var before = await app.WithDbAsync(db => db.Set<WebhookEndpoint>().CountAsync());
        var problem = await (await anna.PostRawAsync(WebhookKit.Url, body)).JsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before, await app.WithDbAsync(db => db.Set<WebhookEndpoint>().CountAsync()));
    }

    [Fact]
    public async Task NotJson_OrAWrongType_Is400()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        foreach (var body in new[] { "{url:", "{\"url\":\"https://a.example\",\"events\":\"*\"}", "{\"url\":5,\"events\":[\"*\"]}" })
            Assert.Equal(HttpStatusCode.BadRequest, (await anna.PostRawAsync(WebhookKit.Url, body)).StatusCode);
    }

    [Theory]
    [InlineData("https://127.0.0.1/x")]
    [InlineData("https://127.8.9.10:8443/x")]
    [InlineData("https://[::1]/x")]
    [InlineData("https://10.1.2.3/x")]
    [InlineData("https://172.20.0.5/x")]
    [InlineData("https://192.168.1.1/x")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fd00::1]/x")]
    [InlineData("https://[::ffff:10.0.0.1]/x")]
    [InlineData("https://localhost/x")]
    public async Task LoopbackPrivateAndLinkLocalTargets_AreRefusedWhenSaved(string url)
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var problem = await anna.PostJsonAsync(WebhookKit.Url, new { url, events = new[] { "*" } }, HttpStatusCode.BadRequest);
        Assert.Equal(["url"], problem.ErrorFields());
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<WebhookEndpoint>().CountAsync(e => e.Url.StartsWith(url))));
    }

    /// <summary>
    /// A URL that passed when saved (or was saved before this rule) is checked again at each call, after
    /// DNS resolution: "localhost" resolves to a listener in this test that counts connections, and must
    /// get none; a private address is refused by the same check before any socket exists.
    /// </summary>
    [Fact]
    public async Task AtCallTime_AHostnameResolvingToLoopback_AndAPrivateAddress_AreRefusedBeforeAnyConnection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var sellerAdminId = await app.WithDbAsync(db => db.Users.Where(u => u.Email == Demo.SellerAdmin).Select(u => u.Id).SingleAsync());
        var secrets = app.Services.GetRequiredService<WebhookSecrets>();
        var ids = await app.WithDbAsync(async db =>
        {
            var named = new WebhookEndpoint(Demo.Contoso, $"https://localhost:{port}/hook", ["*"], "saved before the rule", sellerAdminId, secrets.Issue(), DateTime.UtcNow);
            var literal = new WebhookEndpoint(Demo.Contoso, "https://10.0.0.5/hook", ["*"], "saved before the rule", sellerAdminId, secrets.Issue(), DateTime.UtcNow);
            db.AddRange(named, literal);
            await db.SaveChangesAsync();
            return new[] { named.Id, literal.Id };
        });

        foreach (var id in ids)
        {
            await anna.PostJsonAsync($"{WebhookKit.Url}/{id}/test", null, HttpStatusCode.Accepted);
            var attempt = (await Eventually.WaitAsync(() => anna.AttemptsAsync(id), a => a.Count > 0, "the refused attempt"))[0];
            Assert.Equal("failed", attempt.GetProperty("outcome").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, attempt.GetProperty("statusCode").ValueKind);
            Assert.StartsWith("Refused:", attempt.GetProperty("error").GetString());
        }
        Assert.Matches("Refused: localhost is (127\\.0\\.0\\.1|::1)", (await anna.AttemptsAsync(ids[0]))[0].GetProperty("error").GetString());
        Assert.Contains("10.0.0.5", (await anna.AttemptsAsync(ids[1]))[0].GetProperty("error").GetString());
        Assert.False(listener.Pending(), "Nothing may have connected to the loopback listener.");
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body, CloudMarketFactory.Json), System.Text.Encoding.UTF8, "application/json");
}

/// <summary>The guard's address classes, one by one.</summary>
public sealed class WebhookTargetGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("::ffff:192.168.1.1", false)]
    [InlineData("93.184.216.34", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700::1111", true)]
    public void IsPublic(string address, bool expected) => Assert.Equal(expected, WebhookTargetGuard.IsPublic(IPAddress.Parse(address)));
}

public class SqliteNoLocalTargetsFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live(provisioning: false, allowLocal: false);
}

public class PostgresNoLocalTargetsFactory : PostgresFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live(provisioning: false, allowLocal: false);
}

public sealed class WebhooksApiTestsOnSqlite(SqliteNoLocalTargetsFactory app) : WebhooksApiTests(app), IClassFixture<SqliteNoLocalTargetsFactory>;
public sealed class WebhooksApiTestsOnPostgres(PostgresNoLocalTargetsFactory app) : WebhooksApiTests(app), IClassFixture<PostgresNoLocalTargetsFactory>;

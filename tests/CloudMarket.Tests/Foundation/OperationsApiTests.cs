using System.Net.Http.Json;
using System.Net;
using CloudMarket.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace CloudMarket.Tests.Foundation;

public abstract class OperationsApiTests(CloudMarketFactory app)
{
    [Fact]
    public async Task Health_LiveAndReady_AnswerHealthyWithTheDatabaseUp()
    {
        var client = app.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health/live"));
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task OpenApi_DocumentListsTheContractPaths()
    {
        var doc = await app.CreateClient().GetJsonAsync("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var path in new[] { "/api/v1/auth/token", "/api/v1/me", "/api/v1/organizations", "/api/v1/catalog/offers", "/api/v1/subscriptions",
                     "/api/v1/subscriptions/{id}", "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/orders/{id}/place", "/api/v1/orders/{id}/note",
                     "/api/v1/orders/export", "/api/v1/orders/{id}/items", "/api/v1/orders/{id}/items/{itemId}", "/api/v1/orders/{id}/draft",
                     "/api/v1/orders/{id}/resume", "/api/v1/orders/{id}/retry", "/api/v1/orders/{id}/close" })
            Assert.Contains(path, paths);
    }

    [Theory]
    [InlineData(Demo.DistributorAdmin, HttpStatusCode.OK)]
    [InlineData(Demo.DistributorReadOnly, HttpStatusCode.OK)]
    [InlineData(Demo.SellerAdmin, HttpStatusCode.Forbidden)]
    [InlineData(Demo.FabrikamAdmin, HttpStatusCode.Forbidden)]
    public async Task ProvisioningPipeline_IsTheDistributorsView(string email, HttpStatusCode expected)
    {
        var response = await (await app.ClientAsync(email)).GetAsync("/api/v1/ops/provisioning");
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
            Assert.True((await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).TryGetProperty("ordersByStatus", out _));
        else
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ApiReference_IsServed()
    {
        var client = app.CreateClient();
        var response = await client.GetAsync("/api-docs/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.ToString());
        // The page is only a shell: the scripts it loads render the reference from the document.
        var html = await response.Content.ReadAsStringAsync();
        foreach (var script in new[] { "scalar.js", "scalar.aspnetcore.js" })
        {
            Assert.Contains($"src=\"{script}\"", html);
            var js = await client.GetAsync($"/api-docs/{script}");
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.Contains("javascript", js.Content.Headers.ContentType?.MediaType);
        }
        Assert.Contains("\"url\":\"openapi/v1.json\"", html); // resolved against the site's root by scalar.aspnetcore.js
        Assert.Contains("\"preferredSecurityScheme\":[\"Bearer\"]", html);
        // Scalar's inline module script must not meet the site's Content-Security-Policy.
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task Responses_CarrySecurityHeaders()
    {
        var response = await app.CreateClient().GetAsync("/signin");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task RequestLog_RecordsTheStatusTheClientGot_AlsoForAProblemFromAnException()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        // A missing order is reported by an exception the problem handler turns into a 404.
        var path = $"/api/v1/orders/{Random.Shared.NextInt64(1_000_000_000, 2_000_000_000)}";
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("app;dur=", response.Headers.GetValues("Server-Timing").Single());

        var line = Assert.Single(app.RequestLog.Entries, e => Equals(e.GetValueOrDefault("Path"), path));
        Assert.Equal(404, line["StatusCode"]);
        Assert.Equal("GET", line["Method"]);
        Assert.Equal(Demo.SellerAdmin, line["User"]);
    }

    [Fact]
    public async Task UnknownApiPath_Answers404()
    {
        var client = await app.ClientAsync(Demo.SellerAdmin);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/nothing-here")).StatusCode);
    }

    /// <summary>
    /// The appsettings files still reload when edited, by polling them: a file-system watch of the content root woke
    /// a thread for every write the app made there (its SQLite database, its mail pickup folder).
    /// </summary>
    [Fact]
    public void ConfigurationFiles_ReloadByPolling_NotByWatchingTheContentRoot()
    {
        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<JsonConfigurationProvider>().Where(p => p.Source.ReloadOnChange).ToList();
        Assert.Contains(files, p => p.Source.Path == "appsettings.json");
        Assert.All(files, p => Assert.True(Assert.IsType<PhysicalFileProvider>(p.Source.FileProvider).UseActivePolling, p.Source.Path));
    }
}

public sealed class OperationsApiTestsOnSqlite(SqliteFactory app) : OperationsApiTests(app), IClassFixture<SqliteFactory>;
public sealed class OperationsApiTestsOnPostgres(PostgresFactory app) : OperationsApiTests(app), IClassFixture<PostgresFactory>;

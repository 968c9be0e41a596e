using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;

namespace CloudMarket.Tests.Contract;

/// <summary>
/// The checker that every API test's traffic goes through (<see cref="ContractCheckingHandler"/>) catches
/// each kind of drift between an answer and the document. Without these, a checker that let everything
/// through would look like a green contract. The document does not depend on the database, so SQLite only.
/// </summary>
public sealed class OpenApiContractCheckerTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    private async Task<(OpenApiContract Contract, string Order, long Id)> RealOrderAsync()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        var id = await client.CreateCartIdAsync(OrderKit.NewAcronis());
        var body = await (await client.GetAsync($"/api/v1/orders/{id}")).Content.ReadAsStringAsync();
        return (await app.ContractAsync(), body, id);
    }

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, "http://localhost" + url);

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string contentType = "application/json", string? etag = "\"1\"")
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (etag is not null) response.Headers.TryAddWithoutValidation("ETag", etag);
        return response;
    }

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public async Task ARealAnswer_Conforms()
    {
        var (contract, order, id) = await RealOrderAsync();
        Assert.Empty(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, order), order));
    }

    [Fact]
    public async Task AnUndocumentedStatus_IsReported()
    {
        var (contract, order, id) = await RealOrderAsync();
        var violation = Assert.Single(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.Created, order), order));
        Assert.Contains("status 201 is not documented", violation);
    }

    [Fact]
    public async Task AMissingRequiredHeader_AndABadOne_AreReported()
    {
        var (contract, order, id) = await RealOrderAsync();
        Assert.Contains(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, order, etag: null), order),
            v => v.Contains("ETag is required"));
        Assert.Contains(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, order, etag: "W/\"x\""), order),
            v => v.Contains("ETag") && v.Contains("does not match"));
    }

    [Fact]
    public async Task ABodyThatDiffersFromTheSchema_IsReportedWithWhere()
    {
        var (contract, order, id) = await RealOrderAsync();
        string[] bodies =
        [
            Edit(order, o => o["status"] = "shipped"),          // not in the enum
            Edit(order, o => o.Remove("items")),                // a required property missing
            Edit(order, o => o["secretMargin"] = 12.5),         // a property the document does not name
            Edit(order, o => o["version"] = "7"),               // a string for an integer
            Edit(order, o => o["createdAt"] = "yesterday"),     // not a date-time
        ];
        foreach (var body in bodies)
        {
            var violations = contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, body), body);
            Assert.True(violations.Count > 0, $"not reported: {body[..200]}");
            Assert.All(violations, v => Assert.StartsWith("body", v));
        }
    }

    [Fact]
    public async Task AnUndocumentedContentType_OrAnEmptyBody_IsReported()
    {
        var (contract, order, id) = await RealOrderAsync();
        Assert.Contains(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, order, "text/html"), order),
            v => v.Contains("content type text/html is not documented"));
        Assert.Contains(contract.Check(Get($"/api/v1/orders/{id}"), Answer(HttpStatusCode.OK, ""), ""), v => v.Contains("body is empty"));
    }

    [Fact]
    public async Task AnUndocumentedQueryParameter_IsReported()
    {
        var contract = await app.ContractAsync();
        var list = """{ "items": [], "nextCursor": null }""";
        Assert.Empty(contract.Check(Get("/api/v1/orders?view=historical&limit=5"), Answer(HttpStatusCode.OK, list, etag: null), list));
        Assert.Contains(contract.Check(Get("/api/v1/orders?sortBy=name"), Answer(HttpStatusCode.OK, list, etag: null), list),
            v => v.Contains("query parameter 'sortBy' is not documented"));
    }

    [Fact]
    public async Task PathsAndMethodsOutsideTheDocument_MayOnlyAnswerTheRoutersRefusals()
    {
        var contract = await app.ContractAsync();
        var problem = """{ "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404 }""";
        Assert.Empty(contract.Check(Get("/api/v1/nothing-here"), Answer(HttpStatusCode.NotFound, problem, "application/problem+json"), problem));
        Assert.Contains(contract.Check(Get("/api/v1/nothing-here"), Answer(HttpStatusCode.OK, "{}"), "{}"), v => v.Contains("no path of the document"));
        // /orders/abc does not match {id:long}: the route does not exist.
        Assert.Equal("/api/v1/orders/{id}", contract.Find("GET", "/api/v1/orders/17")?.Template);
        Assert.Null(contract.Find("GET", "/api/v1/orders/abc"));
        Assert.Equal("/api/v1/orders/export", contract.Find("GET", "/api/v1/orders/export")?.Template);
        Assert.Contains(contract.Check(new HttpRequestMessage(HttpMethod.Put, "http://localhost/api/v1/orders/17/place"), Answer(HttpStatusCode.OK, "{}"), "{}"),
            v => v.Contains("no PUT operation"));
    }

    [Fact]
    public async Task TheHandler_FailsTheRequestWithAReadableMessage()
    {
        var contract = await app.ContractAsync();
        var handler = new ContractCheckingHandler(() => Task.FromResult(contract))
        {
            InnerHandler = new Stub(Answer(HttpStatusCode.OK, """{ "items": [], "nextCursor": null, "total": 3 }""", etag: null)),
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://localhost") };
        var e = await Assert.ThrowsAsync<OpenApiContractViolation>(() => client.GetAsync("/api/v1/orders?view=recent"));
        Assert.Contains("GET /api/v1/orders?view=recent (/api/v1/orders) was 200", e.Message);
        Assert.Contains("total", e.Message);
    }

    private sealed class Stub(HttpResponseMessage answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) => Task.FromResult(answer);
    }
}

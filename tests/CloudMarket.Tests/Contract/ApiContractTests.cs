using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudMarket.Data;
using CloudMarket.Features.Orders;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Orders;
using Microsoft.EntityFrameworkCore;

namespace CloudMarket.Tests.Contract;

/// <summary>
/// The error paths of every endpoint, at least once each, through clients that check every answer
/// against the OpenAPI document (<see cref="ContractCheckingHandler"/>): an answer the document does not
/// describe fails the test where it was received. The sweeps are driven by the document itself, so an
/// endpoint added later is swept too, and each asserts the document's claim in both directions (every
/// operation that says it needs a token answers 401 without one, and the others do not).
/// </summary>
public abstract class ApiContractTests(CloudMarketFactory app)
{
    private const long NoSuchOrder = 8_999_999_999;

    private sealed record Operation(string Method, string Template, JsonObject Spec)
    {
        public override string ToString() => $"{Method} {Template}";
        public bool Has(string location, string name) =>
            Spec["parameters"]?.AsArray().Any(p => (string?)p!["in"] == location && (string?)p["name"] == name) == true;
        public bool HasBody => Spec["requestBody"] is not null;
        // The preview is a POST that changes nothing (workflow.md): not a change.
        public bool IsOrderChange => Template.StartsWith("/api/v1/orders/{id}") && Method != "GET" && !Template.EndsWith("/preview", StringComparison.Ordinal);
    }

    private async Task<List<Operation>> OperationsAsync()
    {
        var document = (await app.ContractAsync()).Document;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => new Operation(op.Key.ToUpperInvariant(), path.Key, op.Value!.AsObject())))
            .ToList();
        Assert.True(operations.Count >= 21, $"only {operations.Count} operations in the document");
        return operations;
    }

    /// <summary>
    /// A request to an operation: path parameters filled in (integers with the order, uuids with the guid) and a
    /// valid body, so the answer is about what the test is after and not about the body.
    /// </summary>
    private static HttpRequestMessage Request(Operation op, long orderId, Guid guid, string? body = null, string contentType = "application/json")
    {
        body ??= ValidBody(op);
        var url = op.Template;
        foreach (var p in op.Spec["parameters"]?.AsArray().Where(p => (string?)p!["in"] == "path") ?? [])
            url = url.Replace("{" + (string)p!["name"]! + "}", (string?)p["schema"]?["type"] == "integer" ? orderId.ToString() : guid.ToString());
        var request = new HttpRequestMessage(new HttpMethod(op.Method), url);
        if (op.HasBody && body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        return request;
    }

    private static string ValidBody(Operation op) => JsonSerializer.Serialize(op switch
    {
        { Template: "/api/v1/auth/token" } => new { email = Demo.FabrikamAdmin, password = CloudMarketFactory.DemoPassword },
        { Template: "/api/v1/orders" } => new { items = new[] { OrderKit.NewAcronis() } },
        { Template: "/api/v1/me", Method: "PUT" } => new { timeZone = "UTC" },
        _ when op.Template.Contains("/items") => OrderKit.NewAcronis(),
        _ when op.Template.EndsWith("note") => new { text = "PO 4471" }, // the note and the internal note
        { Method: "PATCH" } => new { name = "Renamed" },
        _ => (object)new { },
    }, CloudMarketFactory.Json);

    private async Task<(HttpClient Client, long Order, Guid Item)> CartAsync(string email = Demo.SellerAdmin)
    {
        var client = await app.ClientAsync(email, Demo.Fabrikam);
        var cart = await client.CreateCartAsync(OrderKit.NewAcronis());
        return (client, cart.Id(), cart.ItemId(0));
    }

    // ---- What the document says (the checker makes sure it is also what the API does). ----

    [Fact]
    public async Task Document_EveryOperationAndParameter_IsDescribedInWords()
    {
        foreach (var op in await OperationsAsync())
        {
            foreach (var field in new[] { "operationId", "summary", "description" })
                Assert.False(string.IsNullOrWhiteSpace((string?)op.Spec[field]), $"{op} has no {field}");
            Assert.NotEmpty(op.Spec["tags"]!.AsArray());
            foreach (var p in op.Spec["parameters"]?.AsArray() ?? [])
            {
                Assert.False(string.IsNullOrWhiteSpace((string?)p!["description"]), $"{op}: parameter {p["name"]} has no description");
                Assert.NotNull(p["schema"]?["type"]);
            }
            foreach (var (status, response) in op.Spec["responses"]!.AsObject())
                Assert.False(string.IsNullOrWhiteSpace((string?)response!["description"]), $"{op} {status} has no description");
        }
    }

    [Fact]
    public async Task Document_BearerScheme_IsRequiredByEveryOperationButSignInAndRefresh_AndEveryOneDocuments401And429()
    {
        var document = (await app.ContractAsync()).Document;
        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);
        foreach (var op in await OperationsAsync())
        {
            var security = op.Spec["security"]!.AsArray();
            if (op.Template is "/api/v1/auth/token" or "/api/v1/auth/refresh")
                Assert.Empty(security); // anonymous: stated, not inherited
            else
            {
                Assert.Equal("[]", Assert.Single(security)!["Bearer"]!.ToJsonString());
                Assert.NotNull(op.Spec["responses"]!["401"]);
            }
            Assert.NotNull(op.Spec["responses"]!["429"]?["headers"]?["Retry-After"]);
        }
    }

    [Fact]
    public async Task Document_EveryErrorIsProblemDetails_And400sNameTheFieldsUnderErrors()
    {
        var schemas = (await app.ContractAsync()).Document["components"]!["schemas"]!;
        Assert.NotNull(schemas["HttpValidationProblemDetails"]!["properties"]!["errors"]);
        foreach (var op in await OperationsAsync())
            foreach (var (status, response) in op.Spec["responses"]!.AsObject().Where(r => r.Key[0] is '4' or '5'))
            {
                var content = response!["content"]!.AsObject();
                var schema = (string?)Assert.Single(content, c => c.Key == "application/problem+json").Value!["schema"]!["$ref"];
                Assert.Equal(status == "400" ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails", schema);
                Assert.Single(content);
            }
    }

    [Fact]
    public async Task Document_OrdersSayTheirStatusesHeadersAndContent()
    {
        var ops = (await OperationsAsync()).ToDictionary(o => o.ToString());
        var place = ops["POST /api/v1/orders/{id}/place"].Spec["responses"]!;
        Assert.Null(place["200"]);
        Assert.True((bool)place["202"]!["headers"]!["Location"]!["required"]!);
        Assert.True((bool)place["202"]!["headers"]!["ETag"]!["required"]!);
        Assert.True(ops["POST /api/v1/orders/{id}/place"].Has("header", "Idempotency-Key"));
        var create = ops["POST /api/v1/orders"].Spec["responses"]!["201"]!["headers"]!;
        Assert.NotNull(create["Location"]);
        Assert.NotNull(create["ETag"]);
        Assert.NotNull(ops["GET /api/v1/orders/{id}"].Spec["responses"]!["200"]!["headers"]!["ETag"]);
        foreach (var change in ops.Values.Where(o => o.IsOrderChange))
        {
            Assert.True(change.Has("header", "If-Match"), $"{change} does not document If-Match");
            var success = change.Spec["responses"]!.AsObject().Single(r => r.Key[0] == '2');
            Assert.NotNull(success.Value!["headers"]?["ETag"]);
            Assert.NotNull(change.Spec["responses"]!["409"]);
        }
        var export = ops["GET /api/v1/orders/export"].Spec["responses"]!["200"]!["content"]!;
        Assert.Equal("string", (string?)export["text/csv"]!["schema"]!["type"]);
        Assert.Equal("string", (string?)export["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]!["schema"]!["type"]);
        Assert.Equal("binary", (string?)export["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]!["schema"]!["format"]);
    }

    [Fact]
    public async Task Document_CustomerScopedOperations_TakeXOnBehalfOf_AndNoOthers()
    {
        foreach (var op in await OperationsAsync())
        {
            var scoped = op.Template.StartsWith("/api/v1/orders") || op.Template.StartsWith("/api/v1/subscriptions") || op.Template.StartsWith("/api/v1/catalog");
            Assert.True(scoped == op.Has("header", "X-On-Behalf-Of"), $"{op}: X-On-Behalf-Of documented {!scoped}");
            if (scoped) Assert.NotNull(op.Spec["responses"]!["404"]);
        }
    }

    [Fact]
    public async Task Document_QueryParametersAndEnums_HaveTheirTypes()
    {
        var ops = (await OperationsAsync()).ToDictionary(o => o.ToString());
        JsonNode Query(string name) => ops["GET /api/v1/orders"].Spec["parameters"]!.AsArray().Single(p => (string?)p!["name"] == name)!["schema"]!;
        Assert.Equal("integer", (string?)Query("limit")["type"]);
        Assert.Equal(1, (int)Query("limit")["minimum"]!);
        Assert.Equal(OrderListFilter.MaxLimit, (int)Query("limit")["maximum"]!);
        Assert.Equal(OrderListFilter.DefaultLimit, (int)Query("limit")["default"]!);
        Assert.Equal(["recent", "historical"], Query("view")["enum"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(["active", "draft", "all"], Query("state")["enum"]!.AsArray().Select(v => (string)v!));
        Assert.Contains("provisioningFailed", Query("status")["enum"]!.AsArray().Select(v => (string)v!));
        Assert.Equal("uuid", (string?)Query("createdBy")["format"]);

        var schemas = (await app.ContractAsync()).Document["components"]!["schemas"]!.AsObject();
        foreach (var name in new[] { "OrderStatus", "OrderItemKind", "BillingCycle", "ItemProvisioningStatus", "PaymentMethod", "OrganizationType", "Role", "SubscriptionStatus" })
        {
            Assert.Equal("string", (string?)schemas[name]!["type"]);
            Assert.All(schemas[name]!["enum"]!.AsArray(), v => Assert.True(char.IsLower(((string)v!)[0]), $"{name}: {v} is not camelCase"));
        }
        Assert.Equal(Enum.GetNames<OrderStatus>().Length, schemas["OrderStatus"]!["enum"]!.AsArray().Count);
    }

    [Fact]
    public async Task Document_RequiredSaysWhatIsAlwaysThere_AndRequiredBodiesAreRequired()
    {
        var document = (await app.ContractAsync()).Document;
        var schemas = document["components"]!["schemas"]!;
        string[] Required(string schema) => schemas[schema]!["required"]?.AsArray().Select(r => (string)r!).ToArray() ?? [];
        // Left out for customer-level callers (JsonIgnore when null): never required.
        Assert.DoesNotContain("markupPercent", Required("OrderItemDto"));
        Assert.DoesNotContain("previousMarkupPercent", Required("OrderItemDto"));
        Assert.DoesNotContain("unitCost", Required("ItemPricesDto"));
        Assert.DoesNotContain("cost", Required("OfferDto"));
        Assert.Contains("prices", Required("OrderItemDto"));
        Assert.Equal(["amount", "currency"], Required("Money").Order());
        Assert.Equal(["kind"], Required("OrderItemRequest"));
        Assert.Empty(Required("UpdateOrderRequest"));
        Assert.Equal("#/components/schemas/EventActorDto", (string?)schemas["OrderEventDto"]!["properties"]!["actor"]!["oneOf"]![0]!["$ref"]);

        var ops = (await OperationsAsync()).ToDictionary(o => o.ToString());
        foreach (var required in new[] { "POST /api/v1/auth/token", "POST /api/v1/orders", "PATCH /api/v1/orders/{id}", "POST /api/v1/orders/{id}/items",
                     "PUT /api/v1/orders/{id}/items/{itemId}", "PUT /api/v1/orders/{id}/note" })
        {
            var body = ops[required].Spec["requestBody"]!;
            Assert.True((bool?)body["required"] == true, $"{required}: body not required");
            Assert.NotNull(body["content"]!["application/json"]!["schema"]!["$ref"]); // not "oneOf null"
        }
        Assert.NotEqual(true, (bool?)ops["POST /api/v1/orders/{id}/retry"].Spec["requestBody"]!["required"]);
        foreach (var op in ops.Values.Where(o => o.HasBody))
            foreach (var status in new[] { "400", "413", "415" })
                Assert.NotNull(op.Spec["responses"]![status]);
    }

    [Fact]
    public async Task DocsApiMd_ShowsABodyForEveryKindOfItem_ThatTheDocumentAccepts()
    {
        var contract = await app.ContractAsync();
        var docs = await File.ReadAllTextAsync(Path.Combine(OpenApiContract.RepositoryRoot(), "docs", "api.md"));
        var section = docs[docs.IndexOf("### Order items", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n#", 1, StringComparison.Ordinal)];
        var examples = System.Text.RegularExpressions.Regex.Matches(section, "```json\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => JsonDocument.Parse(m.Groups[1].Value).RootElement.Clone()).ToList();
        foreach (var example in examples)
            Assert.Empty(contract.CheckAgainstComponent("OrderItemRequest", example));
        Assert.Equal(Enum.GetValues<OrderItemKind>().Select(k => JsonNamingPolicy.CamelCase.ConvertName(k.ToString())).Order(),
            examples.Select(e => e.GetProperty("kind").GetString()).Order());
        var rich = examples.Single(e => e.GetProperty("kind").GetString() == "newSubscription");
        foreach (var field in new[] { "offerId", "quantity", "billingCycle", "addons", "adminContact", "tenantName" })
            Assert.True(rich.TryGetProperty(field, out _), $"the newSubscription example has no {field}");
    }

    [Fact]
    public async Task TheClientsOfTheSuite_CheckEveryAnswerAgainstTheDocument()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        var e = await Assert.ThrowsAsync<OpenApiContractViolation>(() => client.GetAsync("/api/v1/orders?undocumented=1"));
        Assert.Contains("query parameter 'undocumented' is not documented", e.Message);
    }

    [Fact]
    public async Task EveryOperationButSignInAndRefresh_Answers401WithoutAToken()
    {
        var anonymous = app.CreateClient();
        var open = new List<string>();
        foreach (var op in await OperationsAsync())
        {
            var secured = op.Spec["security"]?.AsArray().Count > 0;
            if (!secured) { open.Add(op.ToString()); continue; }
            var response = await anonymous.SendAsync(Request(op, NoSuchOrder, Guid.NewGuid()));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{op}: {(int)response.StatusCode}");
        }
        Assert.Equal(["POST /api/v1/auth/token", "POST /api/v1/auth/refresh"], open);
    }

    [Fact]
    public async Task ExactlyTheOperationsThatDocumentXOnBehalfOf_Answer400WithoutIt_And404ForAnotherCustomer()
    {
        var seller = await app.ClientAsync(Demo.SellerAdmin);
        var adatum = await app.ClientAsync(Demo.SellerAdmin, Demo.Adatum); // Litware's customer, not Contoso's
        foreach (var op in await OperationsAsync())
        {
            if (op.Spec["security"]?.AsArray().Count is null or 0) continue;
            var without = await seller.SendAsync(Request(op, NoSuchOrder, Guid.NewGuid()));
            if (op.Has("header", "X-On-Behalf-Of"))
            {
                var problem = await without.JsonAsync(HttpStatusCode.BadRequest);
                Assert.Contains("X-On-Behalf-Of", problem.ErrorFields());
                Assert.Equal(HttpStatusCode.NotFound, (await adatum.SendAsync(Request(op, NoSuchOrder, Guid.NewGuid()))).StatusCode);
            }
            else if (without.StatusCode == HttpStatusCode.BadRequest)
                // A 400 for its own body (e.g. a password change without the passwords) is fine; one that asks for the header is not.
                Assert.False((await without.JsonAsync(HttpStatusCode.BadRequest)).ErrorFields().Contains("X-On-Behalf-Of"),
                    $"{op} answers 400 without X-On-Behalf-Of but does not document the header");
        }
    }

    [Fact]
    public async Task EveryOrderOperation_Answers404ForAnOrderThatDoesNotExist()
    {
        var (client, _, item) = await CartAsync(Demo.FabrikamAdmin);
        foreach (var op in (await OperationsAsync()).Where(o => o.Template.StartsWith("/api/v1/orders/{id}")))
        {
            var response = await client.SendAsync(Request(op, NoSuchOrder, item));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{op}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task EveryChangeToAnOrder_Answers403ForAReadOnlyRole_AndNothingChanges()
    {
        var (_, order, item) = await CartAsync();
        var before = await app.SnapshotAsync(order);
        var readOnly = await app.ClientAsync(Demo.SupportAgent, Demo.Fabrikam);
        var changes = (await OperationsAsync()).Where(o => o.IsOrderChange || o is { Method: "POST", Template: "/api/v1/orders" }).ToList();
        Assert.True(changes.Count >= 12, $"only {changes.Count} order changes");
        foreach (var op in changes)
        {
            var response = await readOnly.SendAsync(Request(op, order, item));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{op}: {(int)response.StatusCode}");
        }
        Assert.Equal(before, await app.SnapshotAsync(order));
    }

    [Fact]
    public async Task EveryOperationThatDocumentsIfMatch_Answers409ForAStaleOne_AndNothingChanges()
    {
        var (client, order, item) = await CartAsync();
        var before = await app.SnapshotAsync(order);
        var conditional = (await OperationsAsync()).Where(o => o.Has("header", "If-Match")).ToList();
        Assert.Equal(conditional.Select(o => o.ToString()), (await OperationsAsync()).Where(o => o.IsOrderChange).Select(o => o.ToString()));
        foreach (var op in conditional)
        {
            var request = Request(op, order, item);
            request.Headers.TryAddWithoutValidation("If-Match", "\"999\"");
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{op}: {(int)response.StatusCode}");
        }
        Assert.Equal(before, await app.SnapshotAsync(order));
    }

    [Fact]
    public async Task EveryOperationWithABody_Answers400ForMalformedJson_And415ForAnotherContentType()
    {
        var (client, order, item) = await CartAsync();
        var withBody = (await OperationsAsync()).Where(o => o.HasBody).ToList();
        Assert.Contains(withBody, o => o.Template == "/api/v1/auth/token");
        foreach (var op in withBody)
        {
            var malformed = await client.SendAsync(Request(op, order, item, "{\"name\": "));
            Assert.True(malformed.StatusCode == HttpStatusCode.BadRequest, $"{op}: {(int)malformed.StatusCode}");
            var text = await client.SendAsync(Request(op, order, item, "name=x", "text/plain"));
            Assert.True(text.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{op}: {(int)text.StatusCode}");
        }
    }

    [Fact]
    public async Task EveryOperationThatRequiresABody_Answers400WithoutOne()
    {
        var (client, order, item) = await CartAsync();
        foreach (var op in (await OperationsAsync()).Where(o => (bool?)o.Spec["requestBody"]?["required"] == true && o.Template != "/api/v1/auth/token"))
        {
            var request = Request(op, order, item, body: "null");
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{op}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Token_AnswersItsDocumentedRefusals()
    {
        var client = app.CreateClient();
        var ok = await client.PostJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamAdmin, password = CloudMarketFactory.DemoPassword }, HttpStatusCode.OK);
        Assert.Equal("Bearer", ok.GetProperty("tokenType").GetString());
        await client.PostJsonAsync("/api/v1/auth/token", new { email = Demo.FabrikamAdmin, password = "wrong" }, HttpStatusCode.Unauthorized);
        await (await client.PostRawAsync("/api/v1/auth/token", "[1,2")).JsonAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListAndExport_AnswerCsvAndTheirValidationProblems()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        var csv = await client.GetAsync("/api/v1/orders/export?view=historical&state=all");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=abc", "limit"), ("view=sideways", "view"), ("status=shipped", "status"),
                     ("cursor=nope", "cursor"), ("createdBy=me", "createdBy"), ("from=yesterday", "from"), ("view=recent&state=all", "state") })
        {
            Assert.Contains(field, (await client.GetJsonAsync($"/api/v1/orders?{query}", HttpStatusCode.BadRequest)).ErrorFields());
            if (field is not ("limit" or "cursor"))
                Assert.Contains(field, (await client.GetJsonAsync($"/api/v1/orders/export?{query}", HttpStatusCode.BadRequest)).ErrorFields());
        }
    }

    [Fact]
    public async Task OrderChanges_AnswerTheirValidationProblems()
    {
        var (client, order, item) = await CartAsync();
        Assert.Contains("items[0].offerId", (await client.PostJsonAsync("/api/v1/orders", new { items = new[] { new { kind = "newSubscription" } } }, HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Contains("cardBrand", (await (await client.SendAsync(HttpMethod.Patch, $"/api/v1/orders/{order}", new { paymentMethod = "card" })).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.NotEmpty((await (await client.SendAsync(HttpMethod.Post, $"/api/v1/orders/{order}/items", new { kind = "increaseQuantity" })).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.NotEmpty((await (await client.SendAsync(HttpMethod.Put, $"/api/v1/orders/{order}/items/{item}", new { kind = "suspend" })).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Contains("text", (await (await client.NoteAsync(order, new string('n', Order.MaxNoteLength + 1))).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Contains("items[0].itemId", (await (await client.ActAsync(order, "retry", body: new { items = new[] { new { } } })).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Contains(PlaceIdempotency.Header, (await (await client.PlaceAsync(order, new string('k', OrderCommands.MaxIdempotencyKeyLength + 1))).JsonAsync(HttpStatusCode.BadRequest)).ErrorFields());
    }

    [Fact]
    public async Task OrderChanges_AnswerTheirStateConflicts_AndPlaceAnswers202WithLocationAndETag()
    {
        var (client, order, item) = await CartAsync();
        foreach (var action in new[] { "resume", "retry", "close" })
            await (await client.ActAsync(order, action)).JsonAsync(HttpStatusCode.Conflict);

        var placed = await client.PlaceAsync(order);
        await placed.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/orders/{order}", placed.Headers.Location?.OriginalString);
        Assert.NotNull(placed.Headers.ETag);

        await (await client.PlaceAsync(order)).JsonAsync(HttpStatusCode.Conflict);
        await (await client.ActAsync(order, "draft")).JsonAsync(HttpStatusCode.Conflict);
        await (await client.SendAsync(HttpMethod.Delete, $"/api/v1/orders/{order}")).JsonAsync(HttpStatusCode.Conflict);
        await (await client.SendAsync(HttpMethod.Patch, $"/api/v1/orders/{order}", new { name = "Late rename" })).JsonAsync(HttpStatusCode.Conflict);
        await (await client.SendAsync(HttpMethod.Post, $"/api/v1/orders/{order}/items", OrderKit.NewAcronis())).JsonAsync(HttpStatusCode.Conflict);
        await (await client.SendAsync(HttpMethod.Put, $"/api/v1/orders/{order}/items/{item}", OrderKit.NewAcronis())).JsonAsync(HttpStatusCode.Conflict);
        await (await client.SendAsync(HttpMethod.Delete, $"/api/v1/orders/{order}/items/{item}")).JsonAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task ItemsAndSubscriptionsThatDoNotExist_Answer404()
    {
        var (client, order, _) = await CartAsync();
        await (await client.SendAsync(HttpMethod.Put, $"/api/v1/orders/{order}/items/{Guid.NewGuid()}", OrderKit.NewAcronis())).JsonAsync(HttpStatusCode.NotFound);
        await (await client.SendAsync(HttpMethod.Delete, $"/api/v1/orders/{order}/items/{Guid.NewGuid()}")).JsonAsync(HttpStatusCode.NotFound);
        await client.GetJsonAsync($"/api/v1/subscriptions/{Guid.NewGuid()}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheProvisioningOverview_Answers403ToAllButTheDistributor()
    {
        await (await app.ClientAsync(Demo.SellerAdmin)).GetJsonAsync("/api/v1/ops/provisioning", HttpStatusCode.Forbidden);
        await (await app.ClientAsync(Demo.FabrikamAdmin)).GetJsonAsync("/api/v1/ops/provisioning", HttpStatusCode.Forbidden);
        await (await app.ClientAsync(Demo.DistributorReadOnly)).GetJsonAsync("/api/v1/ops/provisioning");
    }

    [Fact]
    public async Task EveryRead_OfEveryDemoOrder_AnswersAsTheDocumentDescribesIt()
    {
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var customer = await app.ClientAsync(Demo.FabrikamAdmin);
        var subscription = await app.WithDbAsync(db => db.Subscriptions.Where(s => s.CustomerId == Demo.Fabrikam).Select(s => s.Id).FirstAsync());
        var orders = await app.WithDbAsync(db => db.Orders.Where(o => o.CustomerId == Demo.Fabrikam).Select(o => o.Id).ToListAsync());
        foreach (var client in new[] { seller, customer })
            foreach (var url in new[] { "/api/v1/me", "/api/v1/organizations?q=fab", "/api/v1/catalog/offers", "/api/v1/subscriptions",
                         $"/api/v1/subscriptions/{subscription}", "/api/v1/orders", "/api/v1/orders?view=historical&state=all&limit=200" }
                         .Concat(orders.Select(o => $"/api/v1/orders/{o}")))
            {
                var response = await client.GetAsync(url);
                // A customer-level user does not see markup-only orders: 404, which the document describes too.
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound && (response.StatusCode == HttpStatusCode.OK || client == customer),
                    $"{url}: {(int)response.StatusCode}");
            }
    }
}

public sealed class ApiContractTestsOnSqlite(SqliteFactory app) : ApiContractTests(app), IClassFixture<SqliteFactory>;
public sealed class ApiContractTestsOnPostgres(PostgresFactory app) : ApiContractTests(app), IClassFixture<PostgresFactory>;

public sealed class ApiRateLimitedSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Security:ApiRequestsPerSecondPerUser"] = "1" };
}

/// <summary>The API's own rate limit answers a documented 429 (the sign-in limit's is in SignInRateLimitApiTests).</summary>
public sealed class ApiRateLimitContractTests(ApiRateLimitedSqliteFactory app) : IClassFixture<ApiRateLimitedSqliteFactory>
{
    [Fact]
    public async Task BeyondTheApiRateLimit_TheAnswerIsTheDocumented429()
    {
        var client = await app.ClientAsync(Demo.FabrikamAdmin);
        HttpResponseMessage? last = null;
        // A bucket of 2 requests refilled with 1 a second: a burst of at most 50 meets the limit however slow the machine is.
        for (var i = 0; i < 50 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
            last = await client.GetAsync("/api/v1/me");
        var problem = await last!.JsonAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
    }
}

using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CloudMarket.Infrastructure;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its browsable reference (<c>/api-docs</c>).
/// </summary>
/// <remarks>
/// What is particular to an endpoint is declared next to it, as endpoint metadata: summary,
/// description, success type (typed results), the problems it answers (<see cref="ProducesProblemWhen"/>,
/// <see cref="ProducesValidationProblemWhen"/>), its headers (<see cref="WithResponseHeader"/>,
/// <see cref="WithRequestHeader"/>) and whether its body is required (<see cref="WithRequiredBody"/>).
/// What follows from the pipeline is added here, once, from the endpoint's metadata, so a new endpoint
/// gets it for free:
/// <list type="bullet">
/// <item>the bearer scheme, required unless the endpoint allows anonymous callers; 401 with it;</item>
/// <item>429 (with <c>Retry-After</c>) on every rate-limited endpoint;</item>
/// <item>400, 413 and 415 on every endpoint that reads a JSON body (malformed JSON, wrong types, too large, not JSON);</item>
/// <item>the <c>X-On-Behalf-Of</c> header, 400 and 404 on every customer-scoped endpoint (those that take a
/// <see cref="Features.Organizations.CustomerContext"/>);</item>
/// <item>schema rules: enums are camelCase strings, a property left out when null is not required,
/// problem details carry <c>traceId</c>.</item>
/// </list>
/// The test suite checks every response it receives against this document (ContractCheckingHandler),
/// so the two cannot drift apart.
/// </remarks>
public static class OpenApiSetup
{
    public const string BearerSchemeId = "Bearer";
    public const string ProblemContentType = "application/problem+json";

    /// <summary>Shown at the top of the document and of /api-docs.</summary>
    private const string ApiDescription = """
        The order desk of a multi-tier cloud-software marketplace: a distributor sells to sellers, sellers sell
        licence subscriptions to customer organizations, and every change to a subscription is an order.

        **Authentication.** `POST /api/v1/auth/token` exchanges e-mail and password for a bearer token; every other
        operation takes `Authorization: Bearer <accessToken>`.

        **Acting on behalf.** Customer-scoped operations (catalog, subscriptions, orders) work on one customer
        organization. Seller- and distributor-level users name it in the `X-On-Behalf-Of` header; customer-level
        users may leave it out (it is then their own organization).

        **Conventions.** JSON with camelCase names; enums are camelCase strings; timestamps are ISO-8601 UTC; money
        is `{ "amount": 12.50, "currency": "EUR" }`. Errors are RFC 9457 problem details
        (`application/problem+json`); a 400 lists each bad field under `errors`.

        **Optimistic concurrency.** An order answers with `ETag: "<version>"`; send it back as `If-Match` to make a
        change conditional (a stale one answers 409).
        """;

    /// <summary>Tag descriptions, by the tag names the endpoints use in <c>WithTags</c>.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Identity"] = "Bearer tokens and the signed-in user.",
        ["Organizations"] = "The customer organizations the caller may act on behalf of.",
        ["Catalog"] = "Offers, priced for the customer in view.",
        ["Subscriptions"] = "The licence subscriptions of the customer in view.",
        ["Orders"] = "Carts, drafts and placed orders of the customer in view, and every change to them.",
        ["Workspace"] = "Seller- and distributor-level users across their customers: the orders and subscriptions that need a person now, and the safe bulk retry.",
        ["Operations"] = "The provisioning pipeline, for the distributor's operators.",
        ["Webhooks"] = "Signed webhook endpoints of the caller's organization, their test events and delivery log (admins only).",
        ["Users"] = "The users of the caller's organization, for its admins: add, rename, change role, deactivate and reactivate.",
    };

    public static IServiceCollection AddAppOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<DocumentRules>();
            o.AddOperationTransformer<OperationRules>();
            o.AddSchemaTransformer<SchemaRules>();
        });

    public static void MapAppOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/api-docs", o => o
            .WithTitle("CloudMarket API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddPreferredSecuritySchemes(BearerSchemeId));
    }

    // ---- Endpoint metadata: what an endpoint declares about itself, next to its Map call. ----

    /// <summary>A problem-details answer with this status, and when it happens.</summary>
    public static RouteHandlerBuilder ProducesProblemWhen(this RouteHandlerBuilder builder, int status, string when) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemContentType]) { Description = when });

    /// <summary>A 400 validation problem (<c>errors</c> names each bad field), and when it happens.</summary>
    public static RouteHandlerBuilder ProducesValidationProblemWhen(this RouteHandlerBuilder builder, string when) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails), [ProblemContentType]) { Description = when });

    /// <summary>What a success answer holds, in words (the generator only has the reason phrase, "OK").</summary>
    public static RouteHandlerBuilder WithResponseDescription(this RouteHandlerBuilder builder, int status, string description) =>
        builder.WithMetadata(new ResponseDescriptionMetadata(status, description));

    /// <summary>A header the endpoint sends with a response of this status.</summary>
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, HeaderDoc header, bool always = true) =>
        builder.WithMetadata(new ResponseHeaderMetadata(status, header, always));

    /// <summary>A request header the endpoint reads.</summary>
    public static RouteHandlerBuilder WithRequestHeader(this RouteHandlerBuilder builder, HeaderDoc header) =>
        builder.WithMetadata(new RequestHeaderMetadata(header));

    /// <summary>
    /// The JSON body is required (the handler answers 400 without it), even though the handler takes it
    /// as nullable to answer that 400 in its own words.
    /// </summary>
    public static RouteHandlerBuilder WithRequiredBody(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new RequiredBodyMetadata());

    /// <summary>
    /// Describes a path or query parameter, and gives it a schema when the handler binds a string to parse
    /// it itself (to answer a 400 in its own words). Works on a group too, for the parameters it shares.
    /// </summary>
    public static TBuilder WithParameter<TBuilder>(this TBuilder builder, string name, string description, Action<OpenApiSchema>? schema = null)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == name && p.In != ParameterLocation.Header) is { } parameter)
            {
                parameter.Description = description;
                if (schema is not null)
                {
                    var s = new OpenApiSchema { Type = JsonSchemaType.String };
                    schema(s);
                    parameter.Schema = s;
                }
            }
            return Task.CompletedTask;
        });

    public sealed record HeaderDoc(string Name, string Description, JsonSchemaType Type = JsonSchemaType.String,
        string? Format = null, string? Pattern = null, int? MaxLength = null)
    {
        // A numeric header still travels as text; its schema is the number it holds.
        public OpenApiSchema Schema() => new() { Type = Type, Format = Format, Pattern = Pattern, MaxLength = MaxLength };
    }

    /// <summary>The headers of the cross-cutting rules; a feature describes its own next to its endpoints (e.g. OrdersApi's ETag).</summary>
    public static class Headers
    {
        public static readonly HeaderDoc RetryAfter = new("Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
        public static readonly HeaderDoc WwwAuthenticate = new("WWW-Authenticate", "`Bearer` when the token is missing, expired or invalid.");
        public static readonly HeaderDoc OnBehalfOf = new("X-On-Behalf-Of",
            "The id of the customer organization to act for. Required for seller- and distributor-level users (a customer they are entitled to, else 404); customer-level users may leave it out or send their own organization's id.",
            Format: "uuid");
    }

    public sealed record ResponseHeaderMetadata(int Status, HeaderDoc Header, bool Always);
    public sealed record RequestHeaderMetadata(HeaderDoc Header);
    public sealed record ResponseDescriptionMetadata(int Status, string Description);
    public sealed record RequiredBodyMetadata;

    /// <summary>Put on an endpoint by a parameter type that binds from <c>X-On-Behalf-Of</c> (CustomerContext).</summary>
    public sealed record CustomerScopedMetadata;

    // ---- The cross-cutting rules. ----

    private sealed class DocumentRules : IOpenApiDocumentTransformer
    {
        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
        {
            document.Info = new OpenApiInfo
            {
                Title = "CloudMarket API",
                Version = "v1",
                Description = ApiDescription,
            };
            // The API is where the document is, also behind a proxy: not the address this request happened to use.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The server that serves this document" }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerSchemeId] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The `accessToken` of `POST /api/v1/auth/token` (an opaque ASP.NET Core bearer token, not a JWT).",
            };
            document.Tags ??= new HashSet<OpenApiTag>();
            foreach (var tag in document.Tags)
                if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
                    tag.Description = description;
            // Responses in status order, whichever rule added them.
            foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
                if (operation.Responses is { } responses)
                {
                    var sorted = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
                    responses.Clear();
                    foreach (var entry in sorted) responses[entry.Key] = entry.Value;
                }
            return Task.CompletedTask;
        }
    }

    private sealed class OperationRules : IOpenApiOperationTransformer
    {
        public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var document = context.Document!;
            operation.Responses ??= new OpenApiResponses();
            operation.Parameters ??= new List<IOpenApiParameter>();

            // Problem schemas as components, whichever endpoint happens to be described first.
            var problem = await SchemaRefAsync(typeof(ProblemDetails), context, ct);
            var validationProblem = await SchemaRefAsync(typeof(HttpValidationProblemDetails), context, ct);

            // The generator describes a response by its reason phrase; an endpoint's own words say when it happens.
            foreach (var declared in metadata.OfType<IProducesResponseTypeMetadata>().Where(m => m.Description is { Length: > 0 }).GroupBy(m => m.StatusCode))
                if (operation.Responses.TryGetValue(declared.Key.ToString(), out var r) && r is OpenApiResponse response)
                    response.Description = string.Join(" Or: ", declared.Select(m => m.Description).Distinct());
            foreach (var declared in metadata.OfType<ResponseDescriptionMetadata>())
                if (operation.Responses.TryGetValue(declared.Status.ToString(), out var r) && r is OpenApiResponse response)
                    response.Description = declared.Description;

            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            if (!anonymous && metadata.OfType<IAuthorizeData>().Any())
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeId, document)] = [] }];
                AddProblem(operation, 401, problem, "Not signed in: the bearer token is missing, expired or invalid.")
                    .Headers![Headers.WwwAuthenticate.Name] = Header(Headers.WwwAuthenticate, required: false);
            }
            else
                operation.Security = [];

            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
                AddProblem(operation, 429, problem, "Too many requests: wait as `Retry-After` says and try again.")
                    .Headers![Headers.RetryAfter.Name] = Header(Headers.RetryAfter, required: false);

            if (operation.RequestBody is OpenApiRequestBody body)
            {
                if (metadata.OfType<RequiredBodyMetadata>().Any())
                {
                    body.Required = true;
                    foreach (var media in body.Content?.Values ?? [])
                        media.Schema = WithoutNull(media.Schema);
                }
                AddProblem(operation, 400, validationProblem, "The body is not valid JSON, or a value has the wrong type.");
                AddProblem(operation, 413, problem, "The body is too large.");
                AddProblem(operation, 415, problem, "The body is not `application/json`.");
            }

            if (metadata.OfType<CustomerScopedMetadata>().Any())
            {
                operation.Parameters.Add(Parameter(Headers.OnBehalfOf, required: false));
                AddProblem(operation, 400, validationProblem, "`X-On-Behalf-Of` is missing (seller- and distributor-level users) or not an id.");
                AddProblem(operation, 404, problem, "The customer named by `X-On-Behalf-Of` does not exist or the caller may not act for it.");
            }

            foreach (var header in metadata.OfType<RequestHeaderMetadata>())
                operation.Parameters.Add(Parameter(header.Header, required: false));

            foreach (var header in metadata.OfType<ResponseHeaderMetadata>())
                if (operation.Responses.TryGetValue(header.Status.ToString(), out var r) && r is OpenApiResponse response)
                {
                    response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    response.Headers[header.Header.Name] = Header(header.Header, header.Always);
                }

            if (operation.Parameters.Count == 0) operation.Parameters = null;
        }

        private static async Task<IOpenApiSchema> SchemaRefAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken ct)
        {
            var document = context.Document!;
            var id = type.Name;
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!document.Components.Schemas.ContainsKey(id))
                document.AddComponent(id, await context.GetOrCreateSchemaAsync(type, null, ct));
            return new OpenApiSchemaReference(id, document);
        }

        /// <summary>Adds a problem answer, or adds its reason to the one the endpoint already declares.</summary>
        private static OpenApiResponse AddProblem(OpenApiOperation operation, int status, IOpenApiSchema schema, string when)
        {
            var key = status.ToString();
            if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
            {
                if (response.Description is { Length: > 0 } d && !d.Contains(when))
                    response.Description = d.EndsWith('.') ? $"{d} Or: {Lower(when)}" : $"{d}. Or: {Lower(when)}";
                response.Content ??= new Dictionary<string, OpenApiMediaType>();
                if (!response.Content.ContainsKey(ProblemContentType))
                    response.Content[ProblemContentType] = new OpenApiMediaType { Schema = schema };
            }
            else
            {
                response = new OpenApiResponse
                {
                    Description = when,
                    Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() { Schema = schema } },
                };
                operation.Responses[key] = response;
            }
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            return response;
        }

        private static string Lower(string s) => s.Length > 0 && char.IsUpper(s[0]) && !s.StartsWith("X-") ? char.ToLowerInvariant(s[0]) + s[1..] : s;

        private static IOpenApiSchema? WithoutNull(IOpenApiSchema? schema) =>
            schema is OpenApiSchema { OneOf: { Count: 2 } alternatives } && alternatives.Any(a => a.Type == JsonSchemaType.Null)
                ? alternatives.First(a => a.Type != JsonSchemaType.Null)
                : schema;

        private static OpenApiParameter Parameter(HeaderDoc header, bool required) => new()
        {
            Name = header.Name, In = ParameterLocation.Header, Required = required, Description = header.Description, Schema = header.Schema(),
        };

        private static OpenApiHeader Header(HeaderDoc header, bool required) => new()
        {
            Description = header.Description, Required = required, Schema = header.Schema(),
        };
    }

    private sealed class SchemaRules : IOpenApiSchemaTransformer
    {
        public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
        {
            var type = context.JsonTypeInfo.Type;

            // Enums travel as camelCase strings (JsonStringEnumConverter); say so, so clients generate string enums.
            if ((Nullable.GetUnderlyingType(type) ?? type).IsEnum && schema.Enum is { Count: > 0 })
                schema.Type = JsonSchemaType.String;

            // A property the serializer leaves out when null may be absent: it is not required.
            if (schema.Required is { Count: > 0 } required && context.JsonPropertyInfo is null)
                foreach (var property in context.JsonTypeInfo.Properties)
                    if (property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), true)
                            .OfType<JsonIgnoreAttribute>().Any(a => a.Condition != JsonIgnoreCondition.Never) == true)
                        required.Remove(property.Name);

            // Problem details always carry the request's traceId (AddProblemDetails adds it).
            if (typeof(ProblemDetails).IsAssignableFrom(type) && context.JsonPropertyInfo is null)
            {
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties["traceId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Description = "The request's trace id, to find it in the logs.",
                };
            }

            // A property whose value is one of several shapes ([SchemaOneOf]).
            if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(SchemaOneOfAttribute), true)
                    .OfType<SchemaOneOfAttribute>().FirstOrDefault() is { } oneOf)
                return DescribeOneOfAsync(schema, oneOf, context, ct);
            return Task.CompletedTask;
        }

        private static async Task DescribeOneOfAsync(OpenApiSchema schema, SchemaOneOfAttribute oneOf, OpenApiSchemaTransformerContext context, CancellationToken ct)
        {
            schema.OneOf =
            [
                await context.GetOrCreateSchemaAsync(oneOf.ObjectType, null, ct),
                new OpenApiSchema { Type = JsonSchemaType.String, Enum = oneOf.Constants.Select(c => (JsonNode)JsonValue.Create(c)!).ToList() },
            ];
        }
    }
}

/// <summary>
/// The property holds either an object of <see cref="ObjectType"/> or one of the string constants
/// (e.g. an order event's <c>actor</c>: a person, or "system"); the OpenAPI schema says exactly that.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaOneOfAttribute(Type objectType, params string[] constants) : Attribute
{
    public Type ObjectType { get; } = objectType;
    public string[] Constants { get; } = constants;
}

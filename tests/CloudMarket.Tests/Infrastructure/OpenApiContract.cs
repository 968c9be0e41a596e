using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// The API's own OpenAPI document (<c>/openapi/v1.json</c>) as a checker of real answers: for a request
/// and its response it finds the operation (path template and method) and lists every way the answer
/// differs from what the document says — an undocumented status, content type or body shape, a missing
/// response header, an undocumented query parameter.
/// </summary>
/// <remarks>
/// Bodies are validated with JSON Schema 2020-12 (the dialect of OpenAPI 3.1), formats included. Objects
/// are validated as closed: a property the document does not name is reported, because the document
/// must say everything a client receives (it does not say it of itself: clients must tolerate new fields).
/// </remarks>
public sealed partial class OpenApiContract
{
    private const string BundleId = "https://contract.cloudmarket.test/openapi";

    private readonly List<OperationEntry> _operations = [];
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };

    /// <summary>
    /// The schema registry is not safe to write while others read it: compiling a response schema registers it, and
    /// an evaluation on another thread resolving its references meanwhile could miss the bundle (concurrent requests of
    /// one test, e.g. two app instances placing orders at once). Compiles write, evaluations read.
    /// </summary>
    private readonly ReaderWriterLockSlim _registry = new();
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public JsonObject Document { get; }

    private sealed record OperationEntry(string Method, string Template, Regex Pattern, int LiteralSegments, JsonObject Operation);

    public OpenApiContract(string documentJson)
    {
        Document = JsonNode.Parse(documentJson)!.AsObject();
        foreach (var (template, pathItem) in Document["paths"]!.AsObject())
            foreach (var (method, operation) in pathItem!.AsObject())
            {
                if (operation is not JsonObject op || method is "parameters" or "summary" or "description" or "servers") continue;
                var segments = template.Split('/', StringSplitOptions.RemoveEmptyEntries);
                var pattern = "^/" + string.Join("/", segments.Select(s => s.StartsWith('{')
                    ? $"(?<{s.Trim('{', '}')}>[^/]+)" : Regex.Escape(s))) + "/?$";
                _operations.Add(new OperationEntry(method.ToUpperInvariant(), template, new Regex(pattern, RegexOptions.CultureInvariant),
                    segments.Count(s => !s.StartsWith('{')), op));
            }
        // Literal segments win over parameters, as in the router: /orders/export before /orders/{id}.
        _operations.Sort((a, b) => b.LiteralSegments.CompareTo(a.LiteralSegments));

        // Every component schema in one bundle that response schemas refer to.
        var bundle = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = BundleId,
            ["$defs"] = Prepare(Document["components"]?["schemas"]?.DeepClone() ?? new JsonObject()),
        };
        JsonSchema.Build(JsonSerializer.SerializeToElement(bundle), _build);
    }

    /// <summary>Responses of these paths are the API's; the document must describe them.</summary>
    public static bool Covers(Uri? uri) => uri is not null && uri.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal);

    /// <summary>The operation a request reaches, as "GET /api/v1/orders/{id}", or null.</summary>
    public (string Method, string Template, JsonObject Operation)? Find(string method, string path)
    {
        var entry = FindEntry(method, path, out _);
        return entry is null ? null : (entry.Method, entry.Template, entry.Operation);
    }

    private OperationEntry? FindEntry(string method, string path, out bool pathKnown)
    {
        pathKnown = false;
        foreach (var entry in _operations)
        {
            var match = entry.Pattern.Match(path);
            if (!match.Success || !PathParametersFit(entry.Operation, match)) continue;
            pathKnown = true;
            if (entry.Method == method) return entry;
        }
        return null;
    }

    /// <summary>A route constraint ({id:long}, {itemId:guid}) that does not match means the route does not either.</summary>
    private static bool PathParametersFit(JsonObject operation, Match match)
    {
        foreach (var p in Parameters(operation).Where(p => (string?)p["in"] == "path"))
        {
            var value = Uri.UnescapeDataString(match.Groups[(string)p["name"]!].Value);
            var schema = p["schema"];
            if ((string?)schema?["type"] == "integer" && !long.TryParse(value, out _)) return false;
            if ((string?)schema?["format"] == "uuid" && !Guid.TryParse(value, out _)) return false;
        }
        return true;
    }

    private static IEnumerable<JsonObject> Parameters(JsonObject operation) =>
        operation["parameters"]?.AsArray().OfType<JsonObject>() ?? [];

    /// <summary>Every difference between this answer and the document; empty when it conforms.</summary>
    public IReadOnlyList<string> Check(HttpRequestMessage request, HttpResponseMessage response, string body)
    {
        var violations = new List<string>();
        var method = request.Method.Method.ToUpperInvariant();
        var path = request.RequestUri!.AbsolutePath;
        var status = (int)response.StatusCode;
        var entry = FindEntry(method, path, out var pathKnown);
        if (entry is null)
        {
            // No operation: only the router's own answers are allowed (unknown path 404, other method 405).
            if (!(status == 404 && !pathKnown) && status != 405)
                violations.Add(pathKnown
                    ? $"the document has no {method} operation for this path, but it answered {status}"
                    : $"no path of the document matches {path}, but it answered {status}");
            return violations;
        }

        var operation = entry.Operation;
        foreach (var name in QueryNames(request.RequestUri))
            if (!Parameters(operation).Any(p => (string?)p["in"] == "query" && (string?)p["name"] == name))
                violations.Add($"query parameter '{name}' is not documented");

        var responses = operation["responses"]?.AsObject();
        if (responses?[status.ToString()] is not JsonObject documented)
        {
            violations.Add($"status {status} is not documented (documented: {string.Join(", ", responses?.Select(r => r.Key) ?? [])})");
            return violations;
        }

        CheckHeaders(documented, response, violations);

        var content = documented["content"]?.AsObject();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (body.Length == 0)
        {
            if (content is { Count: > 0 })
                violations.Add($"the body is empty, but the document says {string.Join(" or ", content.Select(c => c.Key))}");
            return violations;
        }
        if (content is null or { Count: 0 })
        {
            violations.Add($"the document says no body for {status}, but there is one ({mediaType})");
            return violations;
        }
        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            violations.Add($"content type {mediaType ?? "(none)"} is not documented for {status} (documented: {string.Join(", ", content.Select(c => c.Key))})");
            return violations;
        }
        if (media["schema"] is not JsonObject schema) return violations;

        if (mediaType.EndsWith("json", StringComparison.Ordinal))
        {
            JsonElement instance;
            try { instance = JsonDocument.Parse(body).RootElement.Clone(); }
            catch (JsonException e)
            {
                violations.Add($"the body is not JSON: {e.Message}");
                return violations;
            }
            var key = $"{entry.Method} {entry.Template} {status} {mediaType}";
            var compiled = _schemas.GetOrAdd(key, _ => Compile(schema));
            var result = Evaluate(compiled, instance);
            if (!result.IsValid)
                violations.AddRange(Describe(result));
        }
        else if ((string?)schema["type"] != "string")
            violations.Add($"{mediaType} is text, but the document's schema for it is not a string");
        return violations;
    }

    /// <summary>Every difference between a JSON value and a component schema of the document (e.g. an example in the docs).</summary>
    public IReadOnlyList<string> CheckAgainstComponent(string component, JsonElement instance)
    {
        var compiled = _schemas.GetOrAdd("component " + component, _ => Compile(new JsonObject { ["$ref"] = "#/components/schemas/" + component }));
        var result = Evaluate(compiled, instance);
        return result.IsValid ? [] : Describe(result).ToList();
    }

    private EvaluationResults Evaluate(JsonSchema compiled, JsonElement instance)
    {
        _registry.EnterReadLock();
        try { return compiled.Evaluate(instance, Evaluation); }
        finally { _registry.ExitReadLock(); }
    }

    /// <summary>The folder of CloudMarket.slnx: docs/ and tools/ are read from there.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CloudMarket.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"No CloudMarket.slnx above {AppContext.BaseDirectory}");
    }

    private static void CheckHeaders(JsonObject documented, HttpResponseMessage response, List<string> violations)
    {
        foreach (var (name, header) in documented["headers"]?.AsObject() ?? [])
        {
            var values = response.Headers.TryGetValues(name, out var h) ? h.ToList()
                : response.Content.Headers.TryGetValues(name, out var c) ? c.ToList() : [];
            if (values.Count == 0)
            {
                if ((bool?)header?["required"] == true)
                    violations.Add($"response header {name} is required by the document but missing");
                continue;
            }
            var schema = header?["schema"];
            foreach (var value in values)
            {
                if ((string?)schema?["pattern"] is { } pattern && !Regex.IsMatch(value, pattern))
                    violations.Add($"response header {name}: '{value}' does not match {pattern}");
                if ((string?)schema?["type"] == "integer" && !long.TryParse(value, out _))
                    violations.Add($"response header {name}: '{value}' is not an integer");
            }
        }
    }

    private static IEnumerable<string> QueryNames(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => Uri.UnescapeDataString(pair.Split('=')[0].Replace('+', ' ')))
            .Distinct();

    private JsonSchema Compile(JsonObject schema)
    {
        var root = Prepare(schema.DeepClone()).AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$id"] = $"{BundleId}/response/{Guid.NewGuid():N}";
        _registry.EnterWriteLock();
        try { return JsonSchema.Build(JsonSerializer.SerializeToElement(root), _build); }
        finally { _registry.ExitWriteLock(); }
    }

    /// <summary>
    /// Points component references at the bundle and closes objects: a schema that lists its properties and says
    /// nothing of others gets <c>unevaluatedProperties: false</c>.
    /// </summary>
    private static JsonNode Prepare(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                if ((string?)(o["$ref"] as JsonValue) is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    o["$ref"] = $"{BundleId}#/$defs/{reference["#/components/schemas/".Length..]}";
                if (o["properties"] is JsonObject && !o.ContainsKey("additionalProperties") && !o.ContainsKey("unevaluatedProperties"))
                    o["unevaluatedProperties"] = false;
                foreach (var child in o.Select(p => p.Value).OfType<JsonNode>().ToList())
                    Prepare(child);
                break;
            case JsonArray a:
                foreach (var child in a.OfType<JsonNode>().ToList())
                    Prepare(child);
                break;
        }
        return node;
    }

    private static IEnumerable<string> Describe(EvaluationResults result)
    {
        var lines = (result.Details ?? [])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"body{(d.InstanceLocation.ToString() is "" or "/" ? "" : " at " + d.InstanceLocation)}: {e.Value} ({e.Key} at {d.EvaluationPath})"))
            .Distinct()
            .ToList();
        return lines.Count > 0 ? lines : ["the body does not match the document's schema"];
    }
}

/// <summary>An answer of the API that its OpenAPI document does not describe.</summary>
public sealed class OpenApiContractViolation(string message) : Exception(message)
{
    public static OpenApiContractViolation For(HttpRequestMessage request, HttpResponseMessage response, string? template, string body,
        IReadOnlyList<string> violations)
    {
        var clipped = body.Length > 1500 ? body[..1500] + "…" : body;
        return new OpenApiContractViolation(
            $"The answer to {request.Method} {request.RequestUri?.PathAndQuery} ({template ?? "no operation"}) was {(int)response.StatusCode}, " +
            $"which /openapi/v1.json does not describe:{Environment.NewLine}" +
            string.Join(Environment.NewLine, violations.Select(v => "  - " + v)) +
            $"{Environment.NewLine}Body: {clipped}{Environment.NewLine}" +
            "Fix the document (the endpoint's metadata or Infrastructure/OpenApiSetup.cs) or the API; never the checker.");
    }
}

/// <summary>
/// Installed in every HttpClient the test factory makes: each answer of the API is checked against the
/// document before the test sees it, so the whole API suite is the contract test.
/// </summary>
public sealed class ContractCheckingHandler(Func<Task<OpenApiContract>> contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if (!OpenApiContract.Covers(request.RequestUri)) return response;
        await response.Content.LoadIntoBufferAsync(ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var document = await contract();
        var violations = document.Check(request, response, body);
        if (violations.Count > 0)
            throw OpenApiContractViolation.For(request, response,
                document.Find(request.Method.Method, request.RequestUri!.AbsolutePath)?.Template, body, violations);
        return response;
    }
}

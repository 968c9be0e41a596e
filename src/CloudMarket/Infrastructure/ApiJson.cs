using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CloudMarket.Features.Orders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CloudMarket.Infrastructure;

/// <summary>
/// How an enum of the API travels: its camelCase name, and only its name (a number is refused on input). Given to
/// each of the API's enums as an attribute rather than to the API's options as a converter, because a converter in
/// the options turns off System.Text.Json's generated fast path for every type (<see cref="ApiJsonContext"/>).
/// <c>ApiJsonTests</c> checks every enum an endpoint reads or writes carries it.
/// </summary>
public sealed class ApiEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(EnumsAsNames.Naming, EnumsAsNames.AllowIntegerValues)
    where TEnum : struct, Enum;

/// <summary>
/// How every enum the app exchanges travels, in the API (<see cref="ApiEnumConverter{TEnum}"/>) and with vendors and webhook
/// receivers (<see cref="WebSetup.ConfigureJson"/>): its camelCase name, never its number.
/// </summary>
public static class EnumsAsNames
{
    public static readonly JsonNamingPolicy Naming = JsonNamingPolicy.CamelCase;
    public const bool AllowIntegerValues = false;
}

/// <summary>
/// Source-generated serialization for the answers read most: the order lists (and searches) and the order detail
/// (also every order command's answer). Written by <see cref="ApiJsonOk{TValue}"/> with the generated code that writes
/// each property directly, instead of System.Text.Json walking its reflection-built metadata: a detailed page of 25
/// orders in 44–49 µs instead of 64–78 (docs/performance.md point 44). Every other type is served by the reflection
/// resolver after it in the API's resolver chain (<see cref="WebSetup.ConfigureApiJson"/>).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(OrderListDto))]
[JsonSerializable(typeof(OrderDetailDto))]
// An order event's actor is typed object (a person or "system"): its runtime type is looked up when written.
[JsonSerializable(typeof(EventActorDto))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>
/// Writes an answer with <see cref="ApiJsonContext"/>'s generated fast path, escaped as every other answer of the API.
/// <para>
/// System.Text.Json runs the generated writer only with options that carry no converter and no encoder of their own,
/// and ASP.NET Core's options carry its relaxed encoder (so "Müller → 15" is written as is, not as \u escapes). The
/// encoder only matters where strings are written, in the <see cref="Utf8JsonWriter"/>: so the answer's type
/// information comes from a copy of the API's options without the encoder, and the writer is given the API's encoder.
/// Both come from the API's own options, so a setting made there applies here too. The write is synchronous into
/// the response's pipe, which buffers it (a detailed page is ~32 KB) and sends it on the flush.
/// </para>
/// </summary>
public sealed class ApiJsonWriter
{
    private readonly JsonSerializerOptions _generatedWriterOptions;
    private readonly JsonWriterOptions _writerOptions;

    public ApiJsonWriter(IOptions<HttpJsonOptions> api)
    {
        var options = api.Value.SerializerOptions;
        _generatedWriterOptions = new JsonSerializerOptions(options) { Encoder = null };
        _generatedWriterOptions.MakeReadOnly();
        _writerOptions = new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented, MaxDepth = options.MaxDepth };
    }

    /// <summary>The type information the answer is written with (for the tests: it must be the generated one).</summary>
    public JsonTypeInfo<TValue> TypeInfo<TValue>() => (JsonTypeInfo<TValue>)_generatedWriterOptions.GetTypeInfo(typeof(TValue));

    public async Task WriteAsync<TValue>(HttpResponse response, TValue value)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, _writerOptions))
            JsonSerializer.Serialize(writer, value, TypeInfo<TValue>());
        // No cancellation token: a flush to a client that went away completes (as Ok's own write ignores the abort).
        await response.BodyWriter.FlushAsync();
    }
}

/// <summary>
/// 200 with the value as JSON, as <see cref="Microsoft.AspNetCore.Http.HttpResults.Ok{TValue}"/> answers it (the same
/// metadata, so the OpenAPI document is the same), written by <see cref="ApiJsonWriter"/>.
/// </summary>
public sealed class ApiJsonOk<TValue>(TValue value) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>
{
    public TValue Value { get; } = value;
    object? IValueHttpResult.Value => Value;
    public int StatusCode => StatusCodes.Status200OK;
    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        return httpContext.RequestServices.GetRequiredService<ApiJsonWriter>().WriteAsync(httpContext.Response, Value);
    }

    /// <summary>Ok's own metadata, so that the OpenAPI document describes the answer exactly as it would describe Ok's.</summary>
    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        MetadataOf<Ok<TValue>>(method, builder);

    private static void MetadataOf<TResult>(MethodInfo method, EndpointBuilder builder) where TResult : IEndpointMetadataProvider =>
        TResult.PopulateMetadata(method, builder);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using CloudMarket.Features.Orders;

namespace CloudMarket.Infrastructure;

/// <summary>
/// How an enum of the API travels: its camelCase name, and only its name (a number is refused on input). Given to
/// each of the API's enums as an attribute rather than to the API's options as a converter, because a converter in
/// the options turns off System.Text.Json's source-generated fast path for every type (<see cref="ApiJsonContext"/>).
/// <c>ApiEnumTests</c> checks every enum an endpoint reads or writes carries it.
/// </summary>
public sealed class ApiEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where TEnum : struct, Enum;

/// <summary>
/// Source-generated serialization for the answers read most: the order lists (and searches) and the order detail.
/// System.Text.Json writes these with generated code instead of walking its reflection-built metadata: a detailed page
/// of 25 orders in 44 µs instead of 64–76 (docs/performance.md point 44). The fast path holds only while the API's
/// options match these (<see cref="WebSetup.ConfigureApiJson"/>: no converters, the default encoder). Every other type
/// is still served by the reflection resolver after it in the chain.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(OrderListDto))]
[JsonSerializable(typeof(OrderDetailDto))]
// An order event's actor is typed object (a person or "system"): its runtime type is looked up when written.
[JsonSerializable(typeof(EventActorDto))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

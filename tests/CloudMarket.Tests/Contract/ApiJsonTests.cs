using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CloudMarket.Features.Orders;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudMarket.Tests.Contract;

/// <summary>
/// The API's JSON options (<see cref="WebSetup.ConfigureApiJson"/>): the answers read most are written by the
/// generated code of <see cref="ApiJsonContext"/>, and every enum the API reads or writes still travels as its camelCase
/// name now that no converter in the options makes it so.
/// </summary>
public sealed class ApiJsonTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    private JsonSerializerOptions ApiOptions => app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    [Theory]
    [InlineData(typeof(OrderListDto))]
    [InlineData(typeof(OrderDetailDto))]
    public void TheAnswersReadMost_AreWrittenByTheGeneratedFastPath(Type answer)
    {
        var writer = app.Services.GetRequiredService<ApiJsonWriter>();
        var typeInfo = (JsonTypeInfo)typeof(ApiJsonWriter).GetMethod(nameof(ApiJsonWriter.TypeInfo))!.MakeGenericMethod(answer).Invoke(writer, null)!;

        Assert.IsType<ApiJsonContext>(typeInfo.OriginatingResolver);
        // System.Text.Json decides whether the generated writer may be used (the options carry no converter or encoder
        // of their own, …) in an internal property: read it by name, so a converter added to the API's options fails
        // here instead of silently putting these answers back on the slower path.
        var canUseFastPath = typeof(JsonTypeInfo).GetProperty("CanUseSerializeHandler", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("System.Text.Json no longer has JsonTypeInfo.CanUseSerializeHandler: find what replaced it.");
        Assert.True((bool)canUseFastPath.GetValue(typeInfo)!, $"{answer.Name} is not written by its generated fast path.");
    }

    [Fact]
    public async Task TheGeneratedAnswers_AreEscapedAsEveryOtherAnswer()
    {
        const string note = "Müller & Söhne <PO 4471> — O'Brien";
        using var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var draft = (await client.GetJsonAsync("/api/v1/orders?view=historical&state=draft")).GetProperty("items")[0].GetProperty("id").GetInt64();
        using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/orders/{draft}/note") { Content = JsonContent.Create(new { text = note }) };
        change.Headers.TryAddWithoutValidation("If-Match", (await client.GetAsync($"/api/v1/orders/{draft}")).Headers.ETag!.Tag);
        var changed = await client.SendAsync(change);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        // The detail and the list (generated writers) carry text as a new order's answer (ASP.NET Core's own write)
        // does: as ASP.NET Core's relaxed encoder writes it, not as \u escapes.
        var detail = await client.GetStringAsync($"/api/v1/orders/{draft}");
        var list = await client.GetStringAsync("/api/v1/orders?view=historical&state=draft");
        var created = await client.PostAsJsonAsync("/api/v1/orders", new { name = note });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains($"\"name\":\"{note}\"", await created.Content.ReadAsStringAsync());
        Assert.Contains($"\"note\":\"{note}\"", await changed.Content.ReadAsStringAsync());
        Assert.Contains($"\"note\":\"{note}\"", detail);
        Assert.Contains($"\"note\":\"{note}\"", list);
    }

    [Fact]
    public void EveryEnumAnEndpointReadsOrWrites_CarriesTheApiEnumConverter()
    {
        var bodies = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.Type)
                .Concat(e.Metadata.OfType<IAcceptsMetadata>().Select(m => m.RequestType)))
            .OfType<Type>();
        var enums = EnumsWithin(bodies);

        Assert.Contains(typeof(OrderStatus), enums);
        Assert.Contains(typeof(Features.Identity.Role), enums);
        Assert.All(enums, e => Assert.True(
            e.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType == typeof(ApiEnumConverter<>).MakeGenericType(e),
            $"{e.Name} is in the API's JSON without [JsonConverter(typeof(ApiEnumConverter<{e.Name}>))]: it would travel as a number."));
    }

    [Fact]
    public async Task AnEnumTravelsAsItsCamelCaseName_AndANumberForItIsRefused()
    {
        using var client = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var page = await client.GetJsonAsync("/api/v1/orders?view=historical&state=all");
        var statuses = page.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("status").GetString()).ToList();
        var camelCaseNames = Enum.GetNames<OrderStatus>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]).ToList();
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.Contains(s, camelCaseNames));

        Assert.Equal("\"pendingApproval\"", JsonSerializer.Serialize(OrderStatus.PendingApproval, ApiOptions));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<OrderStatus>("3", ApiOptions));
    }

    private static HashSet<Type> EnumsWithin(IEnumerable<Type> roots)
    {
        var seen = new HashSet<Type>();
        var enums = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type) || type.Assembly != typeof(ApiJsonContext).Assembly && !type.IsGenericType && !type.IsArray)
                continue;
            if (type.IsEnum) { enums.Add(type); continue; }
            if (type.IsArray) { pending.Push(type.GetElementType()!); continue; }
            foreach (var argument in type.GetGenericArguments()) pending.Push(argument);
            if (type.Assembly == typeof(ApiJsonContext).Assembly)
                foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
                    pending.Push(property.PropertyType);
        }
        return enums;
    }
}

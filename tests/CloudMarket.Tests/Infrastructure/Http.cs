using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>Small helpers that keep API tests about behaviour rather than plumbing.</summary>
public static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} but got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await client.GetAsync(url)).JsonAsync(expected);

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object? body, HttpStatusCode expected) =>
        await (await client.PostAsJsonAsync(url, body, CloudMarketFactory.Json)).JsonAsync(expected);

    public static async Task<JsonElement> PutJsonAsync(this HttpClient client, string url, object? body, HttpStatusCode expected) =>
        await (await client.PutAsJsonAsync(url, body, CloudMarketFactory.Json)).JsonAsync(expected);

    public static async Task<JsonElement> DeleteJsonAsync(this HttpClient client, string url, HttpStatusCode expected) =>
        await (await client.DeleteAsync(url)).JsonAsync(expected);

    public static async Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string rawJson) =>
        await client.PostAsync(url, new StringContent(rawJson, System.Text.Encoding.UTF8, "application/json"));

    public static IEnumerable<string> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!);

    /// <summary>The field names of a 400 problem's "errors" object.</summary>
    public static IReadOnlyList<string> ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Features.Catalog;
using CloudMarket.Features.Orders;
using CloudMarket.VendorSandbox;
using CloudMarket.Infrastructure;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CloudMarket.Features.Provisioning;

/// <summary>A vendor's reply after the resilience pipeline: success with a body, or a business rejection.</summary>
public sealed record VendorReply(bool IsSuccess, JsonElement Body, string? ErrorCode, string? ErrorMessage)
{
    public VendorAnswer Rejection => VendorAnswer.Rejected(ErrorCode ?? "rejected", ErrorMessage ?? "The vendor rejected the request.");

    /// <summary>Success with the vendor's reference read from <paramref name="referenceProperty"/> of the body, or the rejection.</summary>
    public VendorAnswer ToAnswer(string referenceProperty = "id") =>
        IsSuccess ? VendorAnswer.Success(VendorHttp.Text(Body, referenceProperty)) : Rejection;
}

/// <summary>
/// Where each vendor API is: configured, or the in-process sandbox once it listens.
/// </summary>
public sealed class VendorEndpoints(IOptions<VendorOptions> options, InProcessVendorSandbox sandbox)
{
    public async Task<(Uri BaseAddress, string ApiKey)> ForAsync(VendorApi api, CancellationToken ct)
    {
        var endpoint = api == VendorApi.Microsoft ? options.Value.Microsoft : options.Value.Generic;
        if (!string.IsNullOrWhiteSpace(endpoint.BaseUrl))
            return (new Uri(endpoint.BaseUrl.TrimEnd('/') + "/"), endpoint.ApiKey ?? "");
        // The in-process sandbox's key never leaves the process (VendorOptionsValidator made sure it runs).
        var server = await sandbox.Started.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return (server.BaseAddress, server.ApiKey);
    }
}

/// <summary>The HTTP plumbing both connectors share: JSON, the idempotency key, and what counts as transient.</summary>
public static class VendorHttp
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    /// <summary>The header both vendor APIs read the idempotency key from (Partner Center's and the generic vendor's contract).</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WebSetup.ConfigureJson(json);
        return json;
    }

    public static async Task<VendorReply> SendAsync(HttpClient http, HttpMethod method, Uri uri, string apiKey, string? idempotencyKey,
        object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        if (idempotencyKey is not null)
            request.Headers.Add(IdempotencyHeader, idempotencyKey);
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new VendorUnavailableException($"{method} {uri.AbsolutePath}: {e.GetType().Name}: {e.Message}", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var json = TryParse(text);
            if (response.IsSuccessStatusCode)
                return new VendorReply(true, json, null, null);
            if (IsTransient(response.StatusCode))
                throw new VendorUnavailableException($"{method} {uri.AbsolutePath}: {(int)response.StatusCode} {response.ReasonPhrase}");
            return new VendorReply(false, json, Text(json, "code") ?? $"http{(int)response.StatusCode}",
                Text(json, "description") ?? Text(json, "message") ?? response.ReasonPhrase);
        }
    }

    /// <summary>What the resilience pipeline retries; anything else from the vendor is its final word.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    public static string? Text(JsonElement json, string property) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static JsonElement TryParse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public static string BillingCycle(BillingCycle cycle) => cycle == Catalog.BillingCycle.Annual ? "annual" : "monthly";
}

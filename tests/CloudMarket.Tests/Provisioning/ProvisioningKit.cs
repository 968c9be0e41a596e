using System.Net;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.VendorSandbox;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Provisioning;

/// <summary>Settings that make the pipeline quick to watch in tests: short polls, short backoffs, short timeouts.</summary>
public static class FastProvisioning
{
    public static Dictionary<string, string?> Settings(bool inProcessSandbox = true) => new()
    {
        ["Provisioning:WorkerEnabled"] = "true",
        ["VendorSandbox:InProcess"] = inProcessSandbox ? "true" : "false",
        ["VendorSandbox:Faults:TimeoutHangMs"] = "3000",
        ["Provisioning:PollIntervalMs"] = "50",
        ["Provisioning:RetryDelayMs"] = "50",
        ["Provisioning:FulfilmentPollMs"] = "20",
        ["Provisioning:MaxAttempts"] = "50",
        ["Vendors:Resilience:Retry:Delay"] = "00:00:00.020",
        ["Vendors:Resilience:Retry:MaxRetryAttempts"] = "6",
        ["Vendors:Resilience:AttemptTimeout:Timeout"] = "00:00:01",
        ["Vendors:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:05",
        ["Vendors:Resilience:CircuitBreaker:BreakDuration"] = "00:00:00.500",
        ["Vendors:Resilience:TotalRequestTimeout:Timeout"] = "00:00:30",
    };

    /// <summary>Settings pointing an app at a sandbox that runs elsewhere (in the test, or its own process), with its key.</summary>
    public static Dictionary<string, string?> ExternalSandbox(VendorSandboxServer sandbox) => new(Settings(inProcessSandbox: false))
    {
        ["Vendors:Microsoft:BaseUrl"] = sandbox.BaseAddress.ToString(),
        ["Vendors:Microsoft:ApiKey"] = sandbox.ApiKey,
        ["Vendors:Generic:BaseUrl"] = sandbox.BaseAddress.ToString(),
        ["Vendors:Generic:ApiKey"] = sandbox.ApiKey,
    };
}

/// <summary>Placing orders through the API and watching them move, as a client would.</summary>
public static class OrderFlow
{
    /// <summary>Creates an order with the items and places it; returns its id.</summary>
    public static async Task<long> PlaceAsync(HttpClient client, string name, params object[] items)
    {
        var order = await client.PostJsonAsync("/api/v1/orders", new { name, items }, HttpStatusCode.Created);
        var id = order.GetProperty("id").GetInt64();
        await client.PostJsonAsync($"/api/v1/orders/{id}/place", null, HttpStatusCode.Accepted);
        return id;
    }

    public static readonly string[] FinalOrWaiting = ["completed", "completedWithErrors", "failed", "provisioningFailed"];

    /// <summary>Polls the order until it reaches one of <paramref name="statuses"/>; fails with the last state seen.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, long id, params string[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonElement order;
        do
        {
            order = await client.GetJsonAsync($"/api/v1/orders/{id}");
            if (statuses.Contains(order.GetProperty("status").GetString()))
                return order;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"Order {id} did not reach {string.Join("/", statuses)}: {order}");
        return order;
    }

    public static JsonElement Item(this JsonElement order, Func<JsonElement, bool> which) =>
        order.GetProperty("items").EnumerateArray().Single(which);

    public static string Description(this JsonElement item) => item.GetProperty("description").GetString()!;

    /// <summary>The order item a sandbox purchase was made for: the idempotency key starts with the item's id.</summary>
    public static string ItemOf(SandboxPurchase purchase) => purchase.IdempotencyKey.Split('-', ':')[0];

    public static string Key(Guid itemId) => itemId.ToString("N");
}

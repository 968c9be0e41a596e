using System.Net;
using System.Text.Json;
using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using CloudMarket.Tests.Provisioning;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMarket.Tests.Integrations;

/// <summary>Settings for suites that watch events leave the app: dispatcher polling fast, local receivers allowed, mail in a folder of its own.</summary>
public static class IntegrationSettings
{
    public static Dictionary<string, string?> Live(bool provisioning = true, bool allowLocal = true)
    {
        var settings = provisioning ? FastProvisioning.Settings() : new Dictionary<string, string?>();
        settings["Webhooks:AllowLocalTargets"] = allowLocal ? "true" : "false";
        settings["Integrations:PollIntervalMs"] = "50";
        settings["Email:PickupDirectory"] = Path.Combine(Path.GetTempPath(), $"cloudmarket-mail-{Guid.NewGuid():N}");
        return settings;
    }
}

public static class DispatcherKit
{
    /// <summary>Wakes both of the dispatcher's loops, its fan-out (events) and its senders (deliveries), which otherwise poll.</summary>
    public static void WakeDispatcher(this CloudMarketFactory app)
    {
        var signal = app.Services.GetRequiredService<IntegrationSignal>();
        signal.NotifyEvents();
        signal.NotifyDeliveries();
    }
}

public class SqliteIntegrationsFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live();
}

public class PostgresIntegrationsFactory : PostgresFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live();
}

public static class WebhookKit
{
    public const string Url = "/api/v1/webhooks";

    public static async Task<(long Id, string Secret)> CreateWebhookAsync(this HttpClient client, Uri url, params string[] events)
    {
        var created = await client.PostJsonAsync(Url, new { url, events = events.Length == 0 ? ["*"] : events, description = "test receiver" },
            HttpStatusCode.Created);
        return (created.GetProperty("id").GetInt64(), created.GetProperty("secret").GetString()!);
    }

    public static async Task<List<JsonElement>> AttemptsAsync(this HttpClient client, long webhookId) =>
        (await client.GetJsonAsync($"{Url}/{webhookId}/deliveries?limit=200")).GetProperty("items").EnumerateArray().ToList();

    public static IEnumerable<ReceivedCall> Of(this IEnumerable<ReceivedCall> calls, long orderId) => calls.Where(c => c.OrderId == orderId);

    public static string[] Types(this IEnumerable<ReceivedCall> calls) => calls.Select(c => c.EventType!).ToArray();
}

using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace CloudMarket.Features.Integrations.Webhooks;

/// <summary>The answer to one attempt: an HTTP status (null when there was none) and an error (null for success).</summary>
public sealed record AttemptOutcome(int? StatusCode, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>One signed POST of a delivery's body to its endpoint, through the SSRF-guarded "webhooks" client.</summary>
public sealed class WebhookSender(IHttpClientFactory clients, WebhookTargetGuard guard, WebhookSecrets secrets, IOptions<WebhookOptions> options,
    TimeProvider clock)
{
    public const string ClientName = "webhooks";

    public async Task<AttemptOutcome> SendAsync(WebhookEndpoint endpoint, Delivery delivery, CancellationToken ct)
    {
        if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url))
            return new AttemptOutcome(null, "Not an absolute URL.");
        if (guard.Problem(url) is { } problem)
            return new AttemptOutcome(null, "Refused: " + problem);

        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add(WebhookSignature.EventIdHeader, delivery.EventId);
        request.Headers.Add(WebhookSignature.EventTypeHeader, delivery.EventType);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secrets.Reveal(endpoint.ProtectedSecret), timestamp, delivery.Body));
        request.Headers.UserAgent.ParseAdd("CloudMarket-Webhooks/1.0");

        var http = clients.CreateClient(ClientName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            Activity.Current?.SetTag("http.response.status_code", status);
            return response.IsSuccessStatusCode
                ? new AttemptOutcome(status, null)
                : new AttemptOutcome(status, $"The endpoint answered {status} {response.ReasonPhrase}.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptOutcome(null, $"No answer within {options.Value.TimeoutSeconds} s.");
        }
        catch (HttpRequestException e)
        {
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
                if (inner is WebhookTargetRefusedException refused)
                    return new AttemptOutcome(null, refused.Message);
            return new AttemptOutcome(null, e.InnerException?.Message ?? e.Message);
        }
    }
}

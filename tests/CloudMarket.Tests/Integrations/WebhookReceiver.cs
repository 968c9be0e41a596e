using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CloudMarket.Features.Integrations.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMarket.Tests.Integrations;

/// <summary>One call a receiver got: the raw body and the CloudMarket headers.</summary>
public sealed record ReceivedCall(string Body, string? EventId, string? EventType, string? Signature)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public long? OrderId => Json.GetProperty("data").TryGetProperty("order", out var o) ? o.GetProperty("id").GetInt64() : null;
}

/// <summary>
/// A real HTTP receiver in the test: Kestrel on 127.0.0.1 with a free port, recording every call and
/// answering what <see cref="Answer"/> says (200 unless a test says otherwise; a receiver can also never answer).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _together = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;

    /// <summary>The status for the n-th call (1-based); null means: never answer (until disposed).</summary>
    public Func<int, HttpStatusCode?> Answer { get; set; } = _ => HttpStatusCode.OK;

    /// <summary>When set, the status for each call by what it carries (instead of <see cref="Answer"/>).</summary>
    public Func<ReceivedCall, HttpStatusCode>? AnswerTo { get; set; }

    /// <summary>
    /// When set, every call is held unanswered until this many calls are in the receiver at once; then those and
    /// all later calls are answered as usual. With senders that each have at most one call out at a time, that many
    /// calls at once are calls of that many senders: none can finish its share before the others have started theirs.
    /// </summary>
    public int? HoldUntilInFlight { get; set; }

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;
    public IReadOnlyList<ReceivedCall> Calls => _calls.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var h = http.Request.Headers;
            var call = new ReceivedCall(body, h[WebhookSignature.EventIdHeader], h[WebhookSignature.EventTypeHeader], h[WebhookSignature.SignatureHeader]);
            receiver._calls.Enqueue(call);
            var status = receiver.AnswerTo is { } answer ? answer(call) : receiver.Answer(receiver._calls.Count);
            var inFlight = Interlocked.Increment(ref receiver._inFlight);
            try
            {
                if (receiver.HoldUntilInFlight is { } together)
                {
                    if (inFlight >= together) receiver._together.TrySetResult();
                    await receiver._together.Task.WaitAsync(http.RequestAborted);
                }
                if (status is null)
                    await receiver._release.Task.WaitAsync(http.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref receiver._inFlight);
            }
            return Results.StatusCode((int)(status ?? HttpStatusCode.OK));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.Replace("[::]", "127.0.0.1") + "/hook");
        return receiver;
    }

    /// <summary>Polls until the calls satisfy the condition; fails with what arrived.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> WaitForAsync(Func<IReadOnlyList<ReceivedCall>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var calls = Calls;
            if (condition(calls)) return calls;
            await Task.Delay(25);
        }
        Assert.Fail($"The receiver did not get {what}; it got: {string.Join(", ", Calls.Select(c => $"{c.EventType} {c.OrderId}"))}");
        return [];
    }

    /// <summary>Waits until <see cref="HoldUntilInFlight"/> calls were in the receiver at once; fails with what arrived.</summary>
    public async Task WaitForTogetherAsync(string what)
    {
        try
        {
            await _together.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The receiver never had {what} ({HoldUntilInFlight} calls at once); it got: {string.Join(", ", Calls.Select(c => $"{c.EventType} {c.OrderId}"))}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        _together.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Polling helpers for state the dispatcher changes.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        T value;
        do
        {
            value = await read();
            if (done(value)) return value;
            await Task.Delay(25);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"Timed out waiting for {what}; last seen: {value}");
        return value;
    }
}

using System.Net;
using CloudMarket.Features.Integrations;
using CloudMarket.Features.Integrations.Webhooks;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// integrations.md, retries: a failed attempt is tried again after 5 s, 30 s, 2 min, 10 min, 1 h, then
/// every 6 h for 3 days, when the endpoint is disabled and its owner e-mailed; the next event of an
/// order waits until the earlier one succeeded. Time is a FakeTimeProvider the test advances.
/// </summary>
public abstract class WebhookRetryTests(CloudMarketFactory app) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private FakeTimeProvider Clock => (FakeTimeProvider)app.Services.GetRequiredService<TimeProvider>();

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>Moves time on and wakes the dispatcher (which otherwise polls in real time).</summary>
    private void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        app.WakeDispatcher();
    }


    private Task<List<System.Text.Json.JsonElement>> WaitForAttemptsAsync(HttpClient client, long webhook, int count) =>
        Eventually.WaitAsync(() => client.AttemptsAsync(webhook), a => a.Count >= count, $"{count} attempts");

    [Fact]
    public async Task AReceiverAnswering500Twice_GetsTheEventOnTheThirdAttempt_AndTheLogShowsAllThree()
    {
        _receiver.Answer = n => n <= 2 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK;
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var (webhook, _) = await anna.CreateWebhookAsync(_receiver.Url);
        var queued = await anna.PostJsonAsync($"{WebhookKit.Url}/{webhook}/test", null, HttpStatusCode.Accepted);

        var first = (await WaitForAttemptsAsync(anna, webhook, 1)).Single();
        Assert.Equal(("failed", 500), (first.GetProperty("outcome").GetString(), first.GetProperty("statusCode").GetInt32()));
        Assert.Equal(first.GetProperty("at").GetDateTime().AddSeconds(5), first.GetProperty("nextRetryAt").GetDateTime());

        Advance(TimeSpan.FromSeconds(5));
        var second = (await WaitForAttemptsAsync(anna, webhook, 2))[0];
        Assert.Equal(500, second.GetProperty("statusCode").GetInt32());
        Assert.Equal(second.GetProperty("at").GetDateTime().AddSeconds(30), second.GetProperty("nextRetryAt").GetDateTime());

        Advance(TimeSpan.FromSeconds(30));
        var log = await WaitForAttemptsAsync(anna, webhook, 3);
        Assert.Equal(["succeeded", "failed", "failed"], log.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal([200, 500, 500], log.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal(JsonValueKindNull, log[0].GetProperty("nextRetryAt").ValueKind);
        Assert.All(log, a => Assert.Equal(queued.GetProperty("eventId").GetString(), a.GetProperty("eventId").GetString()));
        Assert.All(log, a => Assert.Equal("webhook.test", a.GetProperty("eventType").GetString()));
        Assert.Equal(3, _receiver.Calls.Count);
        Assert.Single(_receiver.Calls.Select(c => c.Body).Distinct());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task AnOrdersNextEvent_WaitsUntilTheEarlierOneSucceeded()
    {
        _receiver.Answer = n => n == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var (webhook, _) = await anna.CreateWebhookAsync(_receiver.Url, "order.placed", "order.noteChanged");
        var id = await PlaceAsync(anna, "In order", NewAcronis(1));
        await WaitForAttemptsAsync(anna, webhook, 1);
        await anna.PutJsonAsync($"/api/v1/orders/{id}/note", new { text = "after the placement" }, HttpStatusCode.OK);
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.EndpointId == webhook && d.OrderId == id)),
            n => n == 2, "the note change's delivery");

        // Nothing is due now: order.placed waits for its retry and order.noteChanged waits behind it.
        var claimable = await app.WithDbAsync(db => IntegrationQueue.ClaimDeliveriesAsync(db, "test", 10, Clock.GetUtcNow().UtcDateTime,
            TimeSpan.FromSeconds(1), [], CancellationToken.None));
        Assert.Empty(claimable);
        Assert.Equal(["order.placed"], _receiver.Calls.Types());

        Advance(TimeSpan.FromSeconds(5));
        var calls = await _receiver.WaitForAsync(c => c.Count == 3, "placed again, then the note change");
        Assert.Equal(["order.placed", "order.placed", "order.noteChanged"], calls.Types());
    }

    [Fact]
    public async Task ManyOrdersEvents_FannedOutAndSentSideBySide_ArriveInEachOrdersOwnOrder_PastAFailedFirstAttempt()
    {
        const int orders = 40, perOrder = 3;
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var ids = new List<long>();
        for (var i = 0; i < orders; i++) ids.Add(await anna.CreateCartIdAsync(NewAcronis(1)));
        // Every third order's first call fails: its next events must wait for its retry while the other orders' go on.
        var failing = ids.Where((_, i) => i % 3 == 0).ToHashSet();
        var failed = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>();
        _receiver.AnswerTo = call => call.OrderId is { } o && failing.Contains(o) && failed.TryAdd(o, true)
            ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        var (webhook, _) = await anna.CreateWebhookAsync(_receiver.Url, "order.noteChanged");

        // Straight into the outbox in one transaction, interleaved across the orders as concurrent changes write them:
        // one fan-out batch and one round of calls then hold many orders.
        var events = await app.WithDbAsync(async db =>
        {
            var now = Clock.GetUtcNow().UtcDateTime;
            var written = Enumerable.Range(1, perOrder).SelectMany(n => ids.Select(id =>
                new IntegrationEvent(EventTypes.OrderNoteChanged, Demo.Fabrikam, id, null, $"Note {n}", false, now, null))).ToList();
            db.AddRange(written);
            await db.SaveChangesAsync();
            return written;
        });
        app.WakeDispatcher();
        var expected = ids.ToDictionary(id => id, id => events.Where(e => e.OrderId == id).OrderBy(e => e.Id).Select(e => e.EventId).ToArray());

        var others = ids.Where(id => !failing.Contains(id)).ToList();
        await _receiver.WaitForAsync(c => others.All(id => c.Of(id).Count() == perOrder) && failing.All(id => c.Of(id).Any()),
            "every event of the orders whose calls succeed, and the failed first call of the others");
        // Nothing of a failing order went out after its failed call.
        Assert.All(failing, id => Assert.Equal([expected[id][0]], _receiver.Calls.Of(id).Select(c => c.EventId)));

        Advance(TimeSpan.FromSeconds(5));
        var calls = await _receiver.WaitForAsync(c => failing.All(id => c.Of(id).Count() == perOrder + 1), "the retried orders' events");
        Assert.All(others, id => Assert.Equal(expected[id], calls.Of(id).Select(c => c.EventId)));
        Assert.All(failing, id => Assert.Equal([expected[id][0], .. expected[id]], calls.Of(id).Select(c => c.EventId)));
        // The other tests of this app change notes too: this endpoint must not hold deliveries of theirs.
        Assert.Equal(HttpStatusCode.NoContent, (await anna.DeleteAsync($"{WebhookKit.Url}/{webhook}")).StatusCode);
    }
}

/// <summary>Three days of failures, on a clock of its own (the bearer tokens of other tests would expire).</summary>
public abstract class WebhookDisableTests(CloudMarketFactory app) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private FakeTimeProvider Clock => (FakeTimeProvider)app.Services.GetRequiredService<TimeProvider>();

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task AnEndpointFailingForThreeDays_IsDisabled_AndItsOwnerEmailed()
    {
        _receiver.Answer = _ => HttpStatusCode.BadGateway;
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        var (webhook, _) = await anna.CreateWebhookAsync(_receiver.Url);
        await anna.PostJsonAsync($"{WebhookKit.Url}/{webhook}/test", null, HttpStatusCode.Accepted);
        var started = Clock.GetUtcNow().UtcDateTime;
        // The bearer token expires within the three days: read the log from the database.
        var log = new List<DeliveryAttempt>();
        for (var attempts = 1; ; attempts++)
        {
            log = await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<DeliveryAttempt>().Where(a => a.EndpointId == webhook).OrderBy(a => a.Id).ToListAsync()),
                a => a.Count >= attempts, $"{attempts} attempts");
            if (log[^1].NextRetryAt is not { } next) break;
            Assert.True(attempts < 30, "Retries should end after three days.");
            Clock.Advance(next - Clock.GetUtcNow().UtcDateTime);
            app.WakeDispatcher();
        }

        var waits = log.Where(a => a.NextRetryAt is not null).Select(a => a.NextRetryAt!.Value - a.At).ToList();
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)], waits.Take(5));
        Assert.All(waits.Skip(5), w => Assert.Equal(TimeSpan.FromHours(6), w));
        Assert.InRange(log[^1].At - started, TimeSpan.FromDays(2.7), TimeSpan.FromDays(3));
        Assert.Equal(_receiver.Calls.Count, log.Count);
        var endpoint = await app.WithDbAsync(db => db.Set<WebhookEndpoint>().SingleAsync(e => e.Id == webhook));
        Assert.False(endpoint.Enabled);
        Assert.Contains("failed for 3 days", endpoint.DisabledReason);
        var mail = await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>()
            .Where(d => d.Channel == DeliveryChannel.Email && d.EventType == "webhook.disabled").ToListAsync()), m => m.Count > 0, "the owner's e-mail");
        Assert.Equal(Demo.SellerAdmin, Assert.Single(mail).EmailTo);
        Assert.Contains(_receiver.Url.ToString(), mail[0].Subject);
    }
}

public sealed class FakeClockSqliteFactory : SqliteFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live(provisioning: false);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
    }
}

public sealed class FakeClockPostgresFactory : PostgresFactory
{
    protected override IDictionary<string, string?> Settings => IntegrationSettings.Live(provisioning: false);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
    }
}

public sealed class WebhookRetryTestsOnSqlite(FakeClockSqliteFactory app) : WebhookRetryTests(app), IClassFixture<FakeClockSqliteFactory>;
public sealed class WebhookRetryTestsOnPostgres(FakeClockPostgresFactory app) : WebhookRetryTests(app), IClassFixture<FakeClockPostgresFactory>;
public sealed class WebhookDisableTestsOnSqlite(FakeClockSqliteFactory app) : WebhookDisableTests(app), IClassFixture<FakeClockSqliteFactory>;
public sealed class WebhookDisableTestsOnPostgres(FakeClockPostgresFactory app) : WebhookDisableTests(app), IClassFixture<FakeClockPostgresFactory>;

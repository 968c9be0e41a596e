using System.Net;
using System.Net.Sockets;
using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// webhooks.md, "a slow or silent receiver holds up nobody else", for the mail relay too: the e-mails count as one
/// destination against Integrations:MaxConcurrentPerEndpoint, so a relay that never answers holds that many of the
/// instance's slots and the webhooks keep the others. Here the instance has two slots and a destination one; before, the
/// e-mails queued ahead took both, each held until MailKit's 30-s timeout, and a webhook waited behind all of them.
/// </summary>
public abstract class MailRelayFairnessTests(CloudMarketFactory app, SilentMailRelay relay) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task ASilentMailRelay_HoldsOneDestinationsSlots_AndTheWebhooksStillGoOut()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        // Mails first, more than the instance's two slots: each order mails its creator when placed, and its creator and
        // Fabrikam's admin when completed.
        foreach (var n in Enumerable.Range(1, 4))
            await PlaceAsync(anna, $"Mailed {n}", NewAcronis(1));
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.Channel == DeliveryChannel.Email)),
            n => n >= 4, "the mails to be queued");
        await Eventually.WaitAsync(() => Task.FromResult(relay.Connections), n => n >= 1, "a mail's connection to the relay");

        await anna.CreateWebhookAsync(_receiver.Url, "order.placed");
        var id = await PlaceAsync(anna, "Past a silent relay", NewAcronis(1));

        await _receiver.WaitForAsync(c => c.Of(id).Any(), $"order.placed of {id} while the relay is silent");
        var mails = await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.Channel == DeliveryChannel.Email).ToListAsync());
        Assert.DoesNotContain(mails, m => m.Status == DeliveryStatus.Succeeded);
        Assert.True(mails.Count(m => m.CompletedAt == null) > 2, "more mails wait than the instance has slots");
    }
}

/// <summary>An SMTP relay that accepts connections and never says a word: MailKit waits for its greeting until it times out.</summary>
public sealed class SilentMailRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public SilentMailRelay()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>The connections opened to it so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held) _held.Add(socket);
                Interlocked.Increment(ref _connections);
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _accepting;
        _listener.Stop();
        lock (_held) foreach (var socket in _held) socket.Dispose();
    }

    /// <summary>The integrations' settings with e-mail over SMTP to this relay, two delivery slots and one per destination.</summary>
    public IDictionary<string, string?> Settings()
    {
        var settings = SmtpSettings.ToPort(Port);
        settings["Integrations:MaxConcurrentDeliveries"] = "2";
        settings["Integrations:MaxConcurrentPerEndpoint"] = "1";
        return settings;
    }
}

public sealed class SilentRelaySqliteFactory : SqliteFactory
{
    public SilentMailRelay Relay { get; } = new();
    protected override IDictionary<string, string?> Settings => Relay.Settings();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

public sealed class SilentRelayPostgresFactory : PostgresFactory
{
    public SilentMailRelay Relay { get; } = new();
    protected override IDictionary<string, string?> Settings => Relay.Settings();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

public sealed class MailRelayFairnessTestsOnSqlite(SilentRelaySqliteFactory app)
    : MailRelayFairnessTests(app, app.Relay), IClassFixture<SilentRelaySqliteFactory>;

public sealed class MailRelayFairnessTestsOnPostgres(SilentRelayPostgresFactory app)
    : MailRelayFairnessTests(app, app.Relay), IClassFixture<SilentRelayPostgresFactory>;

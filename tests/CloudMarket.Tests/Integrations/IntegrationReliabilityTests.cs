using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Features.Integrations;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// The outbox survives the process: an app killed (SIGKILL) after the change was committed but before
/// anything was delivered delivers it after restart. The first process runs without its dispatcher,
/// so the kill is certain to fall between the change and the delivery.
/// </summary>
public abstract class IntegrationCrashRecoveryTests(DatabaseProvider provider) : IAsyncLifetime
{
    private readonly ProcessDatabase _database = ProcessDatabase.For(provider);
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.CreateAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    private Dictionary<string, string?> Settings(bool dispatcher) => new(_database.Settings)
    {
        ["Provisioning:WorkerEnabled"] = "false",
        ["Integrations:DispatcherEnabled"] = dispatcher ? "true" : "false",
        ["Integrations:PollIntervalMs"] = "50",
        ["Webhooks:AllowLocalTargets"] = "true",
    };

    [Fact]
    public async Task AppKilledBetweenTheChangeAndTheDelivery_DeliversAfterRestart()
    {
        long id;
        await using (var first = await AppProcess.StartAsync(Settings(dispatcher: false)))
        {
            var client = await first.SellerInFabrikamAsync();
            await client.CreateWebhookAsync(_receiver.Url, "order.placed");
            id = await PlaceAsync(client, "Placed before the crash", NewAcronis(1));
            await first.KillAsync();
        }
        Assert.Empty(_receiver.Calls);

        await using var second = await AppProcess.StartAsync(Settings(dispatcher: true));
        var calls = await _receiver.WaitForAsync(c => c.Of(id).Any(), "order.placed after the restart");
        Assert.Equal(["order.placed"], calls.Of(id).Types());
    }


    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _database.DisposeAsync();
    }
}

public sealed class IntegrationCrashRecoveryOnSqlite() : IntegrationCrashRecoveryTests(DatabaseProvider.Sqlite);

public sealed class IntegrationCrashRecoveryOnPostgres() : IntegrationCrashRecoveryTests(DatabaseProvider.Postgres);

/// <summary>
/// Two instances with their dispatchers on one PostgreSQL database: every event reaches the receiver once, and both
/// instances send some. That both take part is made certain, not left to how the claims happen to fall (a dispatcher
/// claims every due delivery its free slots allow, so one instance could take them all): each instance may have only
/// one call to the endpoint out at a time (Integrations:MaxConcurrentPerEndpoint = 1), and the receiver answers no
/// call until two are in it at once, which can only be one of each instance. Until the second instance claims a
/// delivery, the first one's call waits (the webhook timeout outlasts the test's waits), so neither can send everything.
/// </summary>
public sealed class IntegrationTwoInstancesTests : IAsyncLifetime
{
    private const int Orders = 30;
    private WebhookReceiver _receiver = null!;
    private InstanceA _a = null!;
    private InstanceB _b = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _receiver.HoldUntilInFlight = 2;
        var settings = IntegrationSettings.Live(provisioning: false);
        settings["Integrations:MaxConcurrentPerEndpoint"] = "1";
        settings["Webhooks:TimeoutSeconds"] = "120";
        _a = new InstanceA(settings);
        await _a.InitializeAsync();
        _b = new InstanceB(_a.SharedConnectionString, settings);
        await _b.InitializeAsync();
    }

    [Fact]
    public async Task EachEventIsDeliveredOnce_ByOneOfTheInstances()
    {
        var anna = await _a.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        await anna.CreateWebhookAsync(_receiver.Url, "order.placed", "order.noteChanged");
        var clientA = await _a.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var clientB = await _b.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var ids = await Task.WhenAll(Enumerable.Range(1, Orders).Select(async n =>
        {
            var client = n % 2 == 0 ? clientA : clientB;
            var id = await PlaceAsync(client, $"Twice? {n}", NewAcronis(1));
            await client.PutJsonAsync($"/api/v1/orders/{id}/note", new { text = $"note {n}" }, System.Net.HttpStatusCode.OK);
            return id;
        }));

        await _receiver.WaitForTogetherAsync("a call of each instance");
        var calls = await _receiver.WaitForAsync(c => ids.All(id => c.Of(id).Count() >= 2), "two events of every order");
        await Eventually.WaitAsync(() => _a.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.CompletedAt == null)), n => n == 0, "every delivery to end");
        calls = _receiver.Calls;
        Assert.Equal(calls.Count, calls.Select(c => c.EventId).Distinct().Count());
        Assert.All(ids, id => Assert.Equal(["order.placed", "order.noteChanged"], calls.Of(id).Types()));
        var owners = await _a.WithDbAsync(db => db.Set<Delivery>().Where(d => d.EndpointId != null).Select(d => d.LeaseOwner).Distinct().ToListAsync());
        Assert.Contains(_a.Services.GetRequiredService<IntegrationDispatcher>().InstanceName, owners);
        Assert.Contains(_b.Services.GetRequiredService<IntegrationDispatcher>().InstanceName, owners);
    }

    public async ValueTask DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private sealed class InstanceA(Dictionary<string, string?> settings) : PostgresFactory
    {
        public string SharedConnectionString => ConnectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }

    private sealed class InstanceB(string connectionString, Dictionary<string, string?> settings) : CloudMarketFactory
    {
        public override DatabaseProvider Provider => DatabaseProvider.Postgres;
        protected override string ConnectionString => connectionString;
        protected override IDictionary<string, string?> Settings => settings;
    }
}

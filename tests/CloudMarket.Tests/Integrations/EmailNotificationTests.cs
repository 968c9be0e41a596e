using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CloudMarket.Data;
using CloudMarket.Features.Integrations;
using CloudMarket.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>A real SMTP server on loopback (the SmtpServer package) that keeps every message it accepts.</summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;
    private readonly Store _store = new();

    public TestSmtpServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new ServiceProvider();
        services.Add(_store);
        _server = new SmtpServer.SmtpServer(options, services);
        _server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _running = _server.StartAsync(_stop.Token);
    }

    private int _sessions;

    public int Port { get; }

    /// <summary>The SMTP connections clients have opened so far.</summary>
    public int Sessions => Volatile.Read(ref _sessions);
    public IReadOnlyList<MimeMessage> Messages => _store.Messages.ToList();

    public IEnumerable<MimeMessage> To(string email) => Messages.Where(m => m.To.Mailboxes.Any(a => a.Address == email));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { await _running; } catch (OperationCanceledException) { }
    }

    private sealed class Store : MessageStore
    {
        public readonly ConcurrentQueue<MimeMessage> Messages = new();

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken ct)
        {
            await using var stream = new MemoryStream(buffer.ToArray());
            Messages.Enqueue(await MimeMessage.LoadAsync(stream, ct));
            return SmtpResponse.Ok;
        }
    }
}

/// <summary>
/// integrations.md, E-mail: the creator of an order that failed at a vendor gets a mail with the
/// vendor's reason and a link, over SMTP; a user who turned that mail off gets none; a customer-level
/// user gets nothing about a markup-only order. Preferences at GET|PUT /api/v1/me/notifications.
/// </summary>
public abstract class EmailNotificationTests(CloudMarketFactory app, TestSmtpServer smtp)
{
    private const string Url = "/api/v1/me/notifications";

    [Fact]
    public async Task AProvisioningFailure_IsMailedToTheCreatorAndTheAccountManager_NotToAUserWhoTurnedItOff()
    {
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var settings = await felix.PutJsonAsync(Url, new { email = new Dictionary<string, bool> { ["order.provisioningFailed"] = false } }, HttpStatusCode.OK);
        Assert.False(settings.GetProperty("email").GetProperty("order.provisioningFailed").GetBoolean());
        Assert.True(settings.GetProperty("email").GetProperty("order.completed").GetBoolean());
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        // Ida reads her times in Tokyo; the account manager keeps the default, UTC.
        await ida.PutJsonAsync("/api/v1/me", new { timeZone = "Asia/Tokyo" }, HttpStatusCode.OK);

        var felixOrder = await PlaceAsync(felix, "Felix's failing order", NewMicrosoft($"felix{Guid.NewGuid():N}"[..20], 2, BadContact));
        var idaOrder = await PlaceAsync(ida, "Ida's failing order", NewMicrosoft($"ida{Guid.NewGuid():N}"[..20], 2, BadContact));
        await WaitForAsync(felix, felixOrder, "provisioningFailed");
        await WaitForAsync(ida, idaOrder, "provisioningFailed");
        await Eventually.WaitAsync(() => Task.FromResult(smtp.To(Demo.FabrikamAdmin).Count(m => (m.Subject ?? "").Contains($"#{idaOrder} ") && (m.Subject ?? "").Contains("failed"))),
            n => n == 1, "Ida's failure mail");
        await AllSentAsync(felixOrder, idaOrder);

        var mail = smtp.To(Demo.FabrikamAdmin).Single(m => (m.Subject ?? "").Contains($"#{idaOrder} ") && (m.Subject ?? "").Contains("failed"));
        Assert.Equal($"Order #{idaOrder} \"Ida's failing order\" failed at a vendor and needs your attention", mail.Subject);
        var item = (await ida.GetJsonAsync($"/api/v1/orders/{idaOrder}")).GetProperty("items")[0].GetProperty("error");
        var reason = item.GetProperty("message").GetString()!;
        Assert.Contains(reason, mail.TextBody!);
        Assert.Contains(WebUtility.HtmlEncode(reason), mail.HtmlBody!);
        Assert.Contains("Ida's failing order", mail.TextBody!);
        Assert.Contains(WebUtility.HtmlEncode("Ida's failing order"), mail.HtmlBody!);
        Assert.Contains($"http://localhost:5080/orders/{idaOrder}", mail.TextBody!);
        Assert.Contains($"href=\"http://localhost:5080/orders/{idaOrder}\"", mail.HtmlBody!);
        Assert.Matches(@"When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+09:00, Asia/Tokyo\)", mail.TextBody!);
        Assert.Matches(@"When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\r?\n",
            smtp.To(Demo.AccountManager).First(m => (m.Subject ?? "").Contains($"#{idaOrder} ")).TextBody!);
        Assert.DoesNotContain(smtp.To(Demo.FabrikamCustomer), m => (m.Subject ?? "").Contains("failed"));
        Assert.Contains(smtp.To(Demo.FabrikamCustomer), m => m.Subject == $"Order #{felixOrder} \"Felix's failing order\" was placed");
        Assert.Single(smtp.To(Demo.AccountManager), m => (m.Subject ?? "").Contains($"#{felixOrder} ") && (m.Subject ?? "").Contains("failed"));
        Assert.Single(smtp.To(Demo.AccountManager), m => (m.Subject ?? "").Contains($"#{idaOrder} ") && (m.Subject ?? "").Contains("failed"));
    }

    [Fact]
    public async Task ACustomerLevelUser_GetsNoMailAboutAMarkupOnlyOrder()
    {
        var anna = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await PlaceAsync(anna, "Margins only", new { kind = "changeMarkup", subscriptionId = DemoData.SubscriptionIds.FabrikamBitdefender, markupPercent = 27m });
        await WaitForAsync(anna, id, "completed");
        await Eventually.WaitAsync(() => Task.FromResult(smtp.To(Demo.SellerAdmin).Count(m => (m.Subject ?? "").Contains($"#{id} "))), n => n == 2, "Anna's two mails");
        await AllSentAsync(id);
        Assert.Equal([$"Order #{id} \"Margins only\" is completed", $"Order #{id} \"Margins only\" was placed"],
            smtp.To(Demo.SellerAdmin).Where(m => (m.Subject ?? "").Contains($"#{id} ")).Select(m => m.Subject).Order());
        // Ida, Fabrikam's admin, would get every completed order of Fabrikam, but not this one.
        Assert.DoesNotContain(smtp.Messages, m => (m.Subject ?? "").Contains($"#{id} ") && m.To.Mailboxes.Any(a => a.Address.EndsWith("@fabrikam.example")));
    }

    [Fact]
    public async Task AnOrderHeldForApproval_IsMailedToItsApprovers_NotTheCreator_AndItsRejectionToTheCreator()
    {
        // A rule of its own kind, so the other tests' orders are not held.
        var anna = await app.ClientAsync(Demo.SellerAdmin);
        await anna.PutJsonAsync("/api/v1/approval-rules", new { rules = new[] { new { name = "Auto-renewal changes", placedBy = new[] { "customerAdmin" },
            kinds = new[] { "changeAutoRenew" }, approvers = new[] { "sellerAdmin", "accountManager" } } } }, HttpStatusCode.OK);
        try
        {
            var tom = await app.ClientAsync(Demo.TailspinAdmin);
            var id = await PlaceAsync(tom, "Stop renewing", new { kind = "changeAutoRenew", subscriptionId = DemoData.SubscriptionIds.TailspinStandard, autoRenew = false });
            Assert.Equal("pendingApproval", (await tom.GetJsonAsync($"/api/v1/orders/{id}")).GetProperty("status").GetString());
            var asked = $"Order #{id} \"Stop renewing\" needs your approval";
            await Eventually.WaitAsync(() => Task.FromResult(smtp.To(Demo.SellerAdmin).Count(m => m.Subject == asked) + smtp.To(Demo.AccountManager).Count(m => m.Subject == asked)),
                n => n == 2, "the approvers' mails");

            var marco = await app.ClientAsync(Demo.AccountManager, Demo.Tailspin);
            await marco.PostJsonAsync($"/api/v1/orders/{id}/reject", new { reason = "Renewal is in the contract." }, HttpStatusCode.OK);
            await Eventually.WaitAsync(() => Task.FromResult(smtp.To(Demo.TailspinAdmin).Count(m => m.Subject == $"Order #{id} \"Stop renewing\" was rejected")),
                n => n == 1, "the rejection mail");
            await AllSentAsync(id);
            var rejection = smtp.To(Demo.TailspinAdmin).Single(m => m.Subject == $"Order #{id} \"Stop renewing\" was rejected");
            Assert.Contains("Renewal is in the contract.", rejection.TextBody!);
            // The creator is not asked to approve; the approvers are not told of the rejection.
            Assert.DoesNotContain(smtp.To(Demo.TailspinAdmin), m => m.Subject == asked);
            Assert.DoesNotContain(smtp.To(Demo.SellerAdmin), m => (m.Subject ?? "").Contains($"#{id} ") && (m.Subject ?? "").Contains("rejected"));
            Assert.DoesNotContain(smtp.To(Demo.SubscriptionsManager), m => (m.Subject ?? "").Contains($"#{id} "));
        }
        finally
        {
            await anna.PutJsonAsync("/api/v1/approval-rules", new { rules = Array.Empty<object>() }, HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task NotificationSettings_ListEveryMail_AndRefuseUnknownTypesOrNonBooleans()
    {
        var tom = await app.ClientAsync(Demo.TailspinAdmin);
        var all = await tom.GetJsonAsync(Url);
        Assert.Equal(["order.approvalRequested", "order.completed", "order.completedWithErrors", "order.failed", "order.placed", "order.provisioningFailed", "order.rejected"],
            all.GetProperty("email").EnumerateObject().Select(p => p.Name).Order());
        Assert.All(all.GetProperty("email").EnumerateObject(), p => Assert.True(p.Value.GetBoolean()));

        foreach (var body in new[] { """{"email":{"order.exploded":false}}""", """{"email":{"order.placed":"no"}}""", """{"email":[]}""", "{}", "null" })
            Assert.Equal(HttpStatusCode.BadRequest, (await tom.PutAsync(Url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(all.ToString(), (await tom.GetJsonAsync(Url)).ToString());

        await tom.PutJsonAsync(Url, new { email = new Dictionary<string, bool> { ["order.placed"] = false } }, HttpStatusCode.OK);
        await tom.PutJsonAsync(Url, new { email = new Dictionary<string, bool> { ["order.failed"] = false } }, HttpStatusCode.OK);
        var now = await tom.GetJsonAsync(Url);
        Assert.False(now.GetProperty("email").GetProperty("order.placed").GetBoolean());
        Assert.False(now.GetProperty("email").GetProperty("order.failed").GetBoolean());
        await tom.PutJsonAsync(Url, new { email = new Dictionary<string, bool> { ["order.placed"] = true } }, HttpStatusCode.OK);
        Assert.True((await tom.GetJsonAsync(Url)).GetProperty("email").GetProperty("order.placed").GetBoolean());
    }

    /// <summary>
    /// The delivery log keeps a mail's failed attempts, with the server's refusal and the retry, and not the attempt that
    /// sends one: that is its delivery's ending (IntegrationDispatcher.IsLogged; webhook calls are all logged,
    /// WebhookRetryTests). Two mails sent by the dispatcher over the real SMTP server, one to an address it refuses.
    /// </summary>
    [Fact]
    public async Task AMailsFailedAttempt_IsLogged_AndTheAttemptThatSendsOne_EndsItsDelivery()
    {
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var subject = $"Log check {Guid.NewGuid():N}";
        var (sent, refused) = await app.WithDbAsync(async db =>
        {
            var good = Delivery.Email(null, "log.check@example.com", IntegrationEvent.NewEventId(), "order.placed", null, subject, "text", "<p>html</p>", now, null);
            var bad = Delivery.Email(null, "not an address", IntegrationEvent.NewEventId(), "order.placed", null, subject, "text", "<p>html</p>", now, null);
            db.AddRange(good, bad);
            await db.SaveChangesAsync();
            return (good.Id, bad.Id);
        });
        try
        {
            var ended = await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>().AsNoTracking().SingleAsync(d => d.Id == sent)),
                d => d.CompletedAt is not null, "the good mail's delivery to end");
            var retried = await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>().AsNoTracking().SingleAsync(d => d.Id == refused)),
                d => d.Failures == 1, "the refused mail's retry");

            Assert.Equal(DeliveryStatus.Succeeded, ended.Status);
            Assert.NotNull(ended.FirstAttemptAt);
            Assert.Single(smtp.Messages, m => m.Subject == subject);
            Assert.Null(retried.CompletedAt);
            Assert.True(retried.DueAt > now);
            var log = await app.WithDbAsync(db => db.Set<DeliveryAttempt>().AsNoTracking()
                .Where(a => a.DeliveryId == sent || a.DeliveryId == refused).ToListAsync());
            var failure = Assert.Single(log);
            Assert.Equal(refused, failure.DeliveryId);
            Assert.Null(failure.EndpointId);
            Assert.False(string.IsNullOrEmpty(failure.Error));
            Assert.Equal(retried.DueAt, failure.NextRetryAt);
        }
        finally
        {
            // Ended, so the other tests' "every mail sent" does not wait for its retry.
            await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.Id == refused)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.CompletedAt, now)));
        }
    }

    /// <summary>Every event of the orders fanned out and every mail of them sent: nothing more will arrive.</summary>
    private async Task AllSentAsync(params long[] orders)
    {
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<IntegrationEvent>().CountAsync(e => e.OrderId != null && orders.Contains(e.OrderId.Value) && e.DispatchedAt == null)),
            n => n == 0, "the fan-out");
        await Eventually.WaitAsync(() => app.WithDbAsync(db => db.Set<Delivery>().CountAsync(d => d.Channel == DeliveryChannel.Email && d.CompletedAt == null)),
            n => n == 0, "every mail to be sent");
    }
}

public static class SmtpSettings
{
    public static IDictionary<string, string?> With(TestSmtpServer smtp) => ToPort(smtp.Port);

    /// <summary>The integrations' settings with e-mail over plain SMTP to a server on loopback at this port.</summary>
    public static Dictionary<string, string?> ToPort(int port)
    {
        var settings = IntegrationSettings.Live();
        settings["Email:Smtp:Host"] = "127.0.0.1";
        settings["Email:Smtp:Port"] = port.ToString();
        settings["Email:Smtp:UseTls"] = "false";
        return settings;
    }
}

public sealed class SmtpSqliteFactory : SqliteFactory
{
    public TestSmtpServer Smtp { get; } = new();
    protected override IDictionary<string, string?> Settings => SmtpSettings.With(Smtp);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed class SmtpPostgresFactory : PostgresFactory
{
    public TestSmtpServer Smtp { get; } = new();
    protected override IDictionary<string, string?> Settings => SmtpSettings.With(Smtp);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

public sealed class EmailNotificationTestsOnSqlite(SmtpSqliteFactory app) : EmailNotificationTests(app, app.Smtp), IClassFixture<SmtpSqliteFactory>;
public sealed class EmailNotificationTestsOnPostgres(SmtpPostgresFactory app) : EmailNotificationTests(app, app.Smtp), IClassFixture<SmtpPostgresFactory>;

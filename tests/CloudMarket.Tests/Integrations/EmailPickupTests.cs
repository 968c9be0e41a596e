using CloudMarket.Features.Integrations.Email;
using CloudMarket.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using static CloudMarket.Tests.Orders.OrderKit;
using static CloudMarket.Tests.Provisioning.OrderFlow;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// Without an SMTP server (docs/notifications.md), each e-mail is a whole .eml file in the pickup folder: a message a
/// mail client or relay reads as it is (sender, recipient, subject, both parts, the event's headers), and nothing half
/// written is ever left there for a pickup reader to find.
/// </summary>
public abstract class EmailPickupTests(CloudMarketFactory app)
{
    [Fact]
    public async Task AnOrdersMail_IsAWholeMessageInThePickupFolder()
    {
        var felix = await app.ClientAsync(Demo.FabrikamCustomer);
        var name = $"Pickup {Guid.NewGuid():N}"[..20];
        var id = await PlaceAsync(felix, name, NewMicrosoft($"pick{Guid.NewGuid():N}"[..20], 2));
        var subject = $"Order #{id} \"{name}\" was placed";
        var folder = app.Services.GetRequiredService<EmailTransport>().PickupDirectory;

        var mail = await Eventually.WaitAsync<MimeMessage?>(async () =>
        {
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml") : [])
                if (await MimeMessage.LoadAsync(file) is { } message && message.Subject == subject)
                    return message;
            return null;
        }, m => m is not null, "the placed order's mail in the pickup folder");

        Assert.Equal(Demo.FabrikamCustomer, Assert.Single(mail!.To.Mailboxes).Address);
        Assert.NotEmpty(mail.From.Mailboxes);
        Assert.Equal("order.placed", mail.Headers["X-CloudMarket-Event-Type"]);
        Assert.False(string.IsNullOrEmpty(mail.Headers["X-CloudMarket-Event-Id"]));
        Assert.Contains(name, mail.TextBody);
        Assert.Contains(name, mail.HtmlBody);
        Assert.Contains($"/orders/{id}", mail.TextBody);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }
}

public sealed class EmailPickupTestsOnSqlite(SqliteIntegrationsFactory app) : EmailPickupTests(app), IClassFixture<SqliteIntegrationsFactory>;
public sealed class EmailPickupTestsOnPostgres(PostgresIntegrationsFactory app) : EmailPickupTests(app), IClassFixture<PostgresIntegrationsFactory>;

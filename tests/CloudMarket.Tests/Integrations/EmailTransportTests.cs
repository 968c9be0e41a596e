using CloudMarket.Features.Integrations;
using CloudMarket.Features.Integrations.Email;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudMarket.Tests.Integrations;

/// <summary>
/// The e-mail transport against a real SMTP server on loopback: a batch's mails share one connection (a relay limits
/// connections, and each costs a handshake and a sign-in), and a mail the server refuses fails alone.
/// </summary>
public sealed class EmailTransportTests : IAsyncLifetime
{
    private readonly TestSmtpServer _smtp = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _smtp.DisposeAsync();

    private EmailTransport Transport() => new(Options.Create(new EmailOptions { Smtp = new SmtpOptions { Host = "127.0.0.1", Port = _smtp.Port, UseTls = false } }),
        NullLogger<EmailTransport>.Instance);

    private static Delivery Mail(string to, string subject) =>
        Delivery.Email(Guid.NewGuid(), to, IntegrationEvent.NewEventId(), "order.placed", null, subject, $"{subject} (text)", $"<p>{subject}</p>", DateTime.UtcNow, null);

    [Fact]
    public async Task ASessionsMails_GoOverOneConnection_AndEachSessionHasItsOwn()
    {
        var transport = Transport();
        await using (var session = transport.OpenSession())
            foreach (var n in Enumerable.Range(1, 3))
                Assert.True((await session.SendAsync(Mail($"user{n}@example.com", $"Batch mail {n}"), CancellationToken.None)).Succeeded);
        Assert.Equal(1, _smtp.Sessions);

        foreach (var n in Enumerable.Range(1, 2))
        {
            await using var alone = transport.OpenSession();
            Assert.True((await alone.SendAsync(Mail($"alone{n}@example.com", $"Alone {n}"), CancellationToken.None)).Succeeded);
        }
        Assert.Equal(3, _smtp.Sessions);

        Assert.Equal(["Alone 1", "Alone 2", "Batch mail 1", "Batch mail 2", "Batch mail 3"], _smtp.Messages.Select(m => m.Subject).Order());
        var second = Assert.Single(_smtp.To("user2@example.com"));
        Assert.Equal("Batch mail 2 (text)", second.TextBody?.TrimEnd());
        Assert.Equal("<p>Batch mail 2</p>", second.HtmlBody?.TrimEnd());
    }

    [Fact]
    public async Task AMailThatCannotBeAddressed_FailsAlone_AndTheSessionGoesOn()
    {
        await using var session = Transport().OpenSession();
        Assert.True((await session.SendAsync(Mail("first@example.com", "First"), CancellationToken.None)).Succeeded);
        var refused = await session.SendAsync(Mail("not an address", "Broken"), CancellationToken.None);
        Assert.False(refused.Succeeded);
        Assert.True((await session.SendAsync(Mail("third@example.com", "Third"), CancellationToken.None)).Succeeded);
        Assert.Equal(["First", "Third"], _smtp.Messages.Select(m => m.Subject).Order());
        Assert.Equal(1, _smtp.Sessions);
    }
}

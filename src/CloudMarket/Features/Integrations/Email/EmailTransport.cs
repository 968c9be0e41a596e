using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using CloudMarket.Features.Integrations.Webhooks;

namespace CloudMarket.Features.Integrations.Email;

/// <summary>
/// Sends e-mail deliveries: over SMTP with MailKit when Email:Smtp:Host is set, else as .eml files in the pickup
/// directory. A batch of mails goes through one <see cref="EmailSession"/>: one SMTP connection for all of them, not
/// one each (a relay limits connections, and each costs a handshake, STARTTLS and the sign-in).
/// </summary>
public sealed class EmailTransport(IOptions<EmailOptions> options, ILogger<EmailTransport> logger)
{
    public string PickupDirectory => options.Value.PickupDirectory ?? "mail";

    private EmailOptions Options => options.Value;
    private ILogger Logger => logger;

    /// <summary>A session for a batch of mails; it connects to the SMTP server when its first mail is sent.</summary>
    public EmailSession OpenSession() => new(this);

    private MimeMessage Message(Delivery delivery)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Options.Smtp.From));
        message.To.Add(MailboxAddress.Parse(delivery.EmailTo ?? throw new InvalidOperationException("An e-mail delivery without a recipient.")));
        message.Subject = delivery.Subject ?? "";
        message.MessageId = $"{delivery.EventId}.{delivery.Id}@cloudmarket";
        message.Headers.Add("X-CloudMarket-Event-Id", delivery.EventId);
        message.Headers.Add("X-CloudMarket-Event-Type", delivery.EventType);
        message.Body = new BodyBuilder { TextBody = delivery.Body, HtmlBody = delivery.HtmlBody }.ToMessageBody();
        return message;
    }

    private async Task WriteToPickupAsync(Delivery delivery, MimeMessage message, CancellationToken ct)
    {
        Directory.CreateDirectory(PickupDirectory);
        var file = Path.Combine(PickupDirectory, $"{delivery.Id:D8}-{delivery.EventId}.eml");
        // Written aside and moved, so a pickup reader never sees half a mail. Rendered in memory (CPU only) and
        // written in one call, rather than through MimeKit's asynchronous writes to the file (docs/performance.md, point 29).
        var temp = file + ".tmp";
        using var rendered = new MemoryStream();
        message.WriteTo(rendered, ct);
        await File.WriteAllBytesAsync(temp, rendered.GetBuffer().AsMemory(0, (int)rendered.Length), ct);
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>Mails sent one after another over one SMTP connection, opened for the first and closed with the session.</summary>
    public sealed class EmailSession(EmailTransport transport) : IAsyncDisposable
    {
        private SmtpClient? _smtp;

        public async Task<AttemptOutcome> SendAsync(Delivery delivery, CancellationToken ct)
        {
            var o = transport.Options;
            try
            {
                var message = transport.Message(delivery);
                if (string.IsNullOrWhiteSpace(o.Smtp.Host))
                {
                    await transport.WriteToPickupAsync(delivery, message, ct);
                    return new AttemptOutcome(null, null);
                }
                var smtp = await ConnectedAsync(o.Smtp, ct);
                await smtp.SendAsync(message, ct);
                return new AttemptOutcome(250, null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                transport.Logger.LogWarning("E-mail {DeliveryId} to {To} not sent: {Error}", delivery.Id, delivery.EmailTo, e.Message);
                // A refused recipient leaves the connection usable; anything else may not have: the next mail connects anew.
                if (e is not (ParseException or SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted }))
                    await CloseAsync();
                return new AttemptOutcome((e as SmtpCommandException) is { } c ? (int)c.StatusCode : null, e.Message);
            }
        }

        private async Task<SmtpClient> ConnectedAsync(SmtpOptions o, CancellationToken ct)
        {
            if (_smtp is { IsConnected: true }) return _smtp;
            await CloseAsync();
            var smtp = new SmtpClient { Timeout = 30_000 };
            try
            {
                var security = !o.UseTls ? SecureSocketOptions.None : o.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
                await smtp.ConnectAsync(o.Host!, o.Port, security, ct);
                if (!string.IsNullOrEmpty(o.User))
                    await smtp.AuthenticateAsync(o.User, o.Password ?? "", ct);
            }
            catch
            {
                smtp.Dispose();
                throw;
            }
            return _smtp = smtp;
        }

        private async Task CloseAsync()
        {
            if (_smtp is null) return;
            try
            {
                if (_smtp.IsConnected) await _smtp.DisconnectAsync(true, CancellationToken.None);
            }
            catch (Exception e)
            {
                transport.Logger.LogDebug(e, "Closing an SMTP connection failed");
            }
            _smtp.Dispose();
            _smtp = null;
        }

        public async ValueTask DisposeAsync() => await CloseAsync();
    }
}

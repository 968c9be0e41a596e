using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using CloudMarket.Features.Integrations.Webhooks;

namespace CloudMarket.Features.Integrations.Email;

/// <summary>Sends one e-mail delivery: over SMTP with MailKit when Email:Smtp:Host is set, else as an .eml file in the pickup directory.</summary>
public sealed class EmailTransport(IOptions<EmailOptions> options, ILogger<EmailTransport> logger)
{
    public string PickupDirectory => options.Value.PickupDirectory ?? "mail";

    public async Task<AttemptOutcome> SendAsync(Delivery delivery, CancellationToken ct)
    {
        var o = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(o.Smtp.From));
        message.To.Add(MailboxAddress.Parse(delivery.EmailTo ?? throw new InvalidOperationException("An e-mail delivery without a recipient.")));
        message.Subject = delivery.Subject ?? "";
        message.MessageId = $"{delivery.EventId}.{delivery.Id}@cloudmarket";
        message.Headers.Add("X-CloudMarket-Event-Id", delivery.EventId);
        message.Headers.Add("X-CloudMarket-Event-Type", delivery.EventType);
        message.Body = new BodyBuilder { TextBody = delivery.Body, HtmlBody = delivery.HtmlBody }.ToMessageBody();
        try
        {
            if (string.IsNullOrWhiteSpace(o.Smtp.Host))
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
                return new AttemptOutcome(null, null);
            }
            using var smtp = new MailKit.Net.Smtp.SmtpClient();
            smtp.Timeout = 30_000;
            var security = !o.Smtp.UseTls ? SecureSocketOptions.None : o.Smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
            await smtp.ConnectAsync(o.Smtp.Host, o.Smtp.Port, security, ct);
            if (!string.IsNullOrEmpty(o.Smtp.User))
                await smtp.AuthenticateAsync(o.Smtp.User, o.Smtp.Password ?? "", ct);
            await smtp.SendAsync(message, ct);
            await smtp.DisconnectAsync(true, ct);
            return new AttemptOutcome(250, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning("E-mail {DeliveryId} to {To} not sent: {Error}", delivery.Id, delivery.EmailTo, e.Message);
            return new AttemptOutcome((e as MailKit.Net.Smtp.SmtpCommandException) is { } c ? (int)c.StatusCode : null, e.Message);
        }
    }
}

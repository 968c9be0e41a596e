using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.IO;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace CloudMarket.Bench;

/// <summary>
/// The mail relay the benchmark's app sends its e-mails to: an SMTP server on loopback in the driver's process (its CPU is
/// the driver's, as the webhook receiver's is), which accepts every mail and keeps only the count. The app sends mail as a
/// deployment does (<c>Email:Smtp:Host</c>, MailKit over one connection a delivery batch, docs/notifications.md), so the place
/// and webhook steps measure that path, not a pickup folder (docs/performance.md, point 54).
/// </summary>
public static class MailRelay
{
    private static readonly Lazy<int> Started = new(Start);
    private static long _received;

    /// <summary>The relay's port, started on first use and running until the driver exits.</summary>
    public static int Port => Started.Value;

    /// <summary>The mails accepted so far.</summary>
    public static long Received => Interlocked.Read(ref _received);

    private static int Start()
    {
        var port = AppRunner.FreePort();
        var options = new SmtpServerOptionsBuilder().ServerName("bench-relay")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, port))).Build();
        var services = new ServiceProvider();
        services.Add(new CountingStore());
        services.Add(new AnsweringAtOnce());
        // Runs for the driver's lifetime; were it not listening, the place steps' mailsPerOrder would show 0.
        _ = new SmtpServer.SmtpServer(options, services).StartAsync(CancellationToken.None);
        return port;
    }

    /// <summary>A relay queues a mail's bytes and answers 250; the benchmark drops them and counts.</summary>
    private sealed class CountingStore : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken ct)
        {
            Interlocked.Increment(ref _received);
            return Task.FromResult(SmtpResponse.Ok);
        }
    }

    /// <summary>
    /// SmtpServer's own listener leaves Nagle's algorithm on, and it writes the answers to pipelined commands (MailKit sends
    /// MAIL FROM and RCPT TO together) one write each: the second waits for the client's delayed ACK, 40 ms on Linux, so one
    /// connection carried ~23 mails a second against ~1,100 to a relay that answers at once (a sink on Python's smtpd, the
    /// same client; docs/performance.md, point 54). This listener is SmtpServer's with TCP_NODELAY on each connection.
    /// </summary>
    private sealed class AnsweringAtOnce : IEndpointListenerFactory
    {
        public IEndpointListener CreateListener(IEndpointDefinition endpoint) => new Listener(endpoint.Endpoint);

        private sealed class Listener : IEndpointListener
        {
            private readonly TcpListener _tcp;

            public Listener(IPEndPoint endpoint)
            {
                _tcp = new TcpListener(endpoint);
                _tcp.Start();
            }

            public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken ct)
            {
                var socket = await _tcp.AcceptSocketAsync(ct);
                socket.NoDelay = true;
                return new PlainPipe(new NetworkStream(socket, ownsSocket: true));
            }

            public void Dispose() => _tcp.Stop();
        }

        /// <summary>The connection's stream as SmtpServer reads and writes it; plain SMTP on loopback, no STARTTLS.</summary>
        private sealed class PlainPipe(Stream stream) : ISecurableDuplexPipe
        {
            public PipeReader Input { get; } = PipeReader.Create(stream);
            public PipeWriter Output { get; } = PipeWriter.Create(stream);
            public bool IsSecure => false;
            public SslProtocols SslProtocol => SslProtocols.None;

            public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken ct) =>
                throw new NotSupportedException("The benchmark's relay speaks plain SMTP.");

            public void Dispose() => stream.Dispose();
        }
    }
}

using System.Net;
using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using static CloudMarket.Tests.Orders.OrderKit;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The PostgreSQL read replica (docs/performance.md, "Read replica"), on the real streaming replica that ./test.sh
/// starts beside its server (<c>pg_basebackup -R</c>): lists, details and exports are read there; the user who
/// just wrote reads the primary until the replica has replayed the write, also on another instance (the mark is
/// on the user's row); an unreachable replica falls back to the primary without an error. PostgreSQL only, as
/// replicas are: without the replica's variable the suite fails, it is never skipped.
/// </summary>
public sealed class ReadReplicaApiTests(ReadReplicaApiTests.ReplicaFactory app) : IClassFixture<ReadReplicaApiTests.ReplicaFactory>
{
    private const string Marker = "Written by the seller while the replica stood still";

    [Fact]
    public async Task ReadsComeFromTheReplica_WhileTheUserWhoWroteReadsTheirOwnWrite()
    {
        var ida = await app.ClientAsync(Demo.FabrikamAdmin);
        var seller = await app.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));
        await app.ReplicaCaughtUpAsync();
        Assert.Null((await ida.OrderAsync(id)).GetProperty("note").GetString());

        await app.PauseReplayAsync();
        try
        {
            // The seller writes; the replica has not replayed it. Another instance on the same database (its own
            // cache of the replica's position, the mark read from the user row) must route the seller alike.
            await seller.PutJsonAsync($"{OrdersUrl}/{id}/note", new { text = Marker }, HttpStatusCode.OK);
            await using var otherInstance = app.SecondInstance();
            await otherInstance.InitializeAsync();
            var sellerElsewhere = await otherInstance.ClientAsync(Demo.SellerAdmin, Demo.Fabrikam);
            foreach (var writer in new[] { seller, sellerElsewhere })
            {
                Assert.Equal(Marker, (await writer.OrderAsync(id)).GetProperty("note").GetString());
                Assert.Equal(Marker, (await writer.AllPagesAsync()).Single(o => o.Id() == id).GetProperty("note").GetString());
            }

            // Ida did not write since: her detail, list and export are the replica's, which has not seen the note yet.
            Assert.Null((await ida.OrderAsync(id)).GetProperty("note").GetString());
            Assert.Null((await ida.AllPagesAsync()).Single(o => o.Id() == id).GetProperty("note").GetString());
            Assert.DoesNotContain(Marker, await ida.GetStringAsync($"{OrdersUrl}/export"));
        }
        finally
        {
            await app.ResumeReplayAsync();
        }

        await app.ReplicaCaughtUpAsync();
        Assert.Equal(Marker, (await ida.OrderAsync(id)).GetProperty("note").GetString());
        Assert.Equal(Marker, (await ida.AllPagesAsync()).Single(o => o.Id() == id).GetProperty("note").GetString());
        Assert.Contains(Marker, await ida.GetStringAsync($"{OrdersUrl}/export"));
        Assert.Empty(app.ReplicaWarnings);
    }

    [Fact]
    public async Task AnUnreachableReplica_FallsBackToThePrimary_WithoutAnError_AndSaysSo()
    {
        await using var broken = ReplicaFactory.WithReplicaAt(ClosedPort());
        await broken.InitializeAsync();
        var ida = await broken.ClientAsync(Demo.FabrikamAdmin);
        var id = await ida.CreateCartIdAsync(NewAcronis(2));

        Assert.Equal(id, (await ida.OrderAsync(id)).Id());
        Assert.Contains(await ida.AllPagesAsync(), o => o.Id() == id);
        Assert.Contains("E3", (await ida.GetStringAsync("/api/v1/subscriptions")));
        var export = await ida.GetAsync($"{OrdersUrl}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Contains(broken.ReplicaWarnings, w => w.Contains("read replica failed", StringComparison.Ordinal));
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// The app on a database of its own on the test server, reading from the replica of that server
    /// (<see cref="ReplicaVariable"/>), or from a replica at <c>replicaPort</c> where nothing listens. Given another
    /// factory, a second app instance on the same database and replica.
    /// </summary>
    public sealed class ReplicaFactory : PostgresFactory
    {
        public const string ReplicaVariable = "CLOUDMARKET_TEST_POSTGRES_REPLICA";

        private readonly int? _replicaPort;

        public ReplicaFactory() { }

        private ReplicaFactory(ReplicaFactory sameDatabaseAs) : base(sameDatabaseAs) { }

        private ReplicaFactory(int replicaPort) => _replicaPort = replicaPort;

        /// <summary>Another app instance on this one's database and replica.</summary>
        public ReplicaFactory SecondInstance() => new(this);

        /// <summary>An app whose replica is at a port where nothing listens.</summary>
        public static ReplicaFactory WithReplicaAt(int port) => new(port);

        private string Database => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

        public static string ReplicaServerConnectionString =>
            Environment.GetEnvironmentVariable(ReplicaVariable) is { Length: > 0 } cs
                ? cs
                : throw new InvalidOperationException(
                    $"The read replica suite needs a streaming replica of the PostgreSQL test server: set {ReplicaVariable}, or run ./test.sh, which starts one.");

        /// <summary>This app's database on the replica (<see cref="ReplicaServerOnlyConnectionString"/>'s server).</summary>
        private string ReplicaConnectionString =>
            new NpgsqlConnectionStringBuilder(ReplicaServerOnlyConnectionString) { Database = Database }.ConnectionString;

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{DatabaseSetup.ReplicaConnectionString}"] = ReplicaConnectionString,
        };

        private readonly FakeLogCollector _warnings = FakeLogCollector.Create(new FakeLogCollectorOptions
        {
            FilteredCategories = { typeof(ReadReplica).FullName! },
            FilteredLevels = { LogLevel.Warning, LogLevel.Error, LogLevel.Critical },
        });

        /// <summary>What the app logged about the replica at Warning or above.</summary>
        public IReadOnlyCollection<string> ReplicaWarnings => _warnings.GetSnapshot().Select(r => r.Message).ToList();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(new FakeLoggerProvider(_warnings)));
        }

        public override ValueTask InitializeAsync()
        {
            _ = ReplicaServerConnectionString; // fail first and clearly without the replica
            return base.InitializeAsync();
        }

        /// <summary>
        /// The replica server itself (its maintenance database), for what concerns the whole server: replay and its position.
        /// Not this app's database, which the replica knows only once it has replayed its creation: asked there too early,
        /// the wait for replay failed with "database does not exist" (seen once, on a loaded machine).
        /// </summary>
        private string ReplicaServerOnlyConnectionString
        {
            get
            {
                var replica = new NpgsqlConnectionStringBuilder(ReplicaServerConnectionString);
                if (_replicaPort is { } port) replica.Port = port;
                return replica.ConnectionString;
            }
        }

        public Task PauseReplayAsync() => OnReplicaAsync("SELECT pg_wal_replay_pause()");

        public Task ResumeReplayAsync() => OnReplicaAsync("SELECT pg_wal_replay_resume()");

        /// <summary>
        /// Waits until the replica has replayed everything the primary has written so far. Replay is another
        /// process's work, so this asks until it is done (never a fixed sleep; nothing here asserts a time).
        /// </summary>
        public async Task ReplicaCaughtUpAsync()
        {
            var target = await ScalarAsync(ConnectionString, "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint");
            // test.sh's server commits asynchronously: WAL written after its last commit can sit unflushed, so unsent to the
            // replica, for as long as nothing else commits (a fresh-clone run waited out the deadline so). A commit that waits
            // for its flush (an xid, nothing written) takes everything before it along.
            await ScalarAsync(ConnectionString, "SET synchronous_commit = on; SELECT txid_current()");
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await ScalarAsync(ReplicaServerOnlyConnectionString, "SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)") < target)
                await Task.Delay(20, deadline.Token);
        }

        private async Task OnReplicaAsync(string sql) => await ScalarAsync(ReplicaServerOnlyConnectionString, sql);

        private static async Task<long> ScalarAsync(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync() is long n ? n : 0;
        }
    }
}

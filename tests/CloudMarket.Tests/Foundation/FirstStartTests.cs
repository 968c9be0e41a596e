using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// An operator's first start on PostgreSQL names a database that does not exist yet, or one a DBA created empty: the app
/// creates it if needed, migrates it and seeds it, and says nothing at Error about it. EF Core logged the refused
/// connection of its check for the database, and its read of the migrations' history before creating the table, at Error,
/// so every first start began with one or two <c>fail:</c> lines for what is normal (DatabaseSetup).
/// </summary>
public abstract class FirstStartTests(FirstStartTests.FirstStartFactory app)
{
    [Fact]
    public async Task TheDatabaseIsMigratedAndSeeded_WithoutAnErrorInTheLog()
    {
        var orders = await app.WithDbAsync(db => db.Orders.CountAsync());

        Assert.Equal(app.CreatesDatabaseFirst, app.ExistedBeforeStart);
        Assert.True(orders > 0, "the demo's orders are in the new database");
        Assert.True(app.Errors.Count == 0, string.Join("\n\n", app.Errors));
    }

    public sealed class MissingDatabase() : FirstStartFactory(createsDatabaseFirst: false);

    public sealed class EmptyDatabase() : FirstStartFactory(createsDatabaseFirst: true);

    /// <summary>The app on a database of its own that the test creates empty first, as a DBA would, or leaves to the app.</summary>
    public abstract class FirstStartFactory(bool createsDatabaseFirst) : PostgresFactory(createsDatabase: createsDatabaseFirst)
    {
        private readonly FakeLogCollector _errors = FakeLogCollector.Create(new FakeLogCollectorOptions
        {
            FilteredLevels = { LogLevel.Error, LogLevel.Critical },
        });

        /// <summary>What the app logged at Error or above, from any category, while it started ("category: message").</summary>
        public IReadOnlyCollection<string> Errors => _errors.GetSnapshot().Select(r => $"{r.Category}: {r.Message}").ToList();

        public bool CreatesDatabaseFirst { get; } = createsDatabaseFirst;

        public bool? ExistedBeforeStart { get; private set; }

        protected override async Task BeforeStartAsync()
        {
            await using var admin = new NpgsqlConnection(ServerConnectionString);
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", admin)
            {
                Parameters = { new() { Value = new NpgsqlConnectionStringBuilder(ConnectionString).Database } },
            };
            ExistedBeforeStart = (bool)(await exists.ExecuteScalarAsync())!;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(new FakeLoggerProvider(_errors)));
        }
    }
}

public sealed class FirstStartOnAMissingDatabase(FirstStartTests.MissingDatabase app) : FirstStartTests(app), IClassFixture<FirstStartTests.MissingDatabase>;

public sealed class FirstStartOnAnEmptyDatabase(FirstStartTests.EmptyDatabase app) : FirstStartTests(app), IClassFixture<FirstStartTests.EmptyDatabase>;

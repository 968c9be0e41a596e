using System.Collections.Concurrent;
using CloudMarket.Infrastructure;
using CloudMarket.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
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

    public abstract class FirstStartFactory(bool createsDatabaseFirst) : CloudMarketFactory
    {
        private readonly string _database = $"cloudmarket_test_{Guid.NewGuid():N}";
        private readonly ConcurrentQueue<string> _errors = new();

        public override DatabaseProvider Provider => DatabaseProvider.Postgres;

        protected override string ConnectionString =>
            new NpgsqlConnectionStringBuilder(PostgresFactory.ServerConnectionString) { Database = _database }.ConnectionString;

        /// <summary>What the app logged at Error or above, from any category, while it started.</summary>
        public IReadOnlyCollection<string> Errors => _errors;

        /// <summary>Whether the test creates the (empty) database before the app starts, as a DBA would.</summary>
        public bool CreatesDatabaseFirst => createsDatabaseFirst;

        public bool? ExistedBeforeStart { get; private set; }

        public override async ValueTask InitializeAsync()
        {
            if (createsDatabaseFirst)
            {
                await using var admin = new NpgsqlConnection(PostgresFactory.ServerConnectionString);
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
                await create.ExecuteNonQueryAsync();
            }
            ExistedBeforeStart = await ExistsAsync();
            await base.InitializeAsync();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(new ErrorRecorder(_errors)));
        }

        private async Task<bool> ExistsAsync()
        {
            await using var admin = new NpgsqlConnection(PostgresFactory.ServerConnectionString);
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", admin)
            {
                Parameters = { new() { Value = _database } },
            };
            return (bool)(await exists.ExecuteScalarAsync())!;
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(PostgresFactory.ServerConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private sealed class ErrorRecorder(ConcurrentQueue<string> into) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, into);

        public void Dispose() { }

        private sealed class Recorder(string category, ConcurrentQueue<string> into) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) into.Enqueue($"{category}: {formatter(state, exception)}");
            }
        }
    }
}

public sealed class FirstStartOnAMissingDatabase(FirstStartTests.MissingDatabase app) : FirstStartTests(app), IClassFixture<FirstStartTests.MissingDatabase>;

public sealed class FirstStartOnAnEmptyDatabase(FirstStartTests.EmptyDatabase app) : FirstStartTests(app), IClassFixture<FirstStartTests.EmptyDatabase>;

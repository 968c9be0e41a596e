using CloudMarket.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// A database of its own for tests that run the app as a separate process (<see cref="AppProcess"/>)
/// and kill it: its settings for the app, and direct reads of what the app committed. SQL given to
/// <see cref="Scalar"/> quotes its identifiers so that it reads the same on both providers.
/// </summary>
public abstract class ProcessDatabase : IAsyncDisposable
{
    public abstract Dictionary<string, string?> Settings { get; }

    public abstract Task CreateAsync();

    public abstract long Scalar(string sql);

    /// <summary>Changes what the app committed while it is down (e.g. lets time pass for a due row without sleeping).</summary>
    public abstract int Execute(string sql);

    public abstract ValueTask DisposeAsync();

    public static ProcessDatabase For(DatabaseProvider provider) =>
        provider == DatabaseProvider.Postgres ? new PostgresProcessDatabase() : new SqliteProcessDatabase();

    private sealed class SqliteProcessDatabase : ProcessDatabase
    {
        private readonly string _file = Path.Combine(Path.GetTempPath(), $"cloudmarket-process-{Guid.NewGuid():N}.db");

        public override Dictionary<string, string?> Settings => new()
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Sqlite"] = $"Data Source={_file}",
            ["Email:PickupDirectory"] = _file + "-mail",
        };

        public override Task CreateAsync() => Task.CompletedTask; // the app creates the file when it migrates

        public override long Scalar(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={_file};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar());
        }

        public override int Execute(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={_file};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteNonQuery();
        }

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
                File.Delete(f);
            if (Directory.Exists(_file + "-mail")) Directory.Delete(_file + "-mail", true);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PostgresProcessDatabase : ProcessDatabase
    {
        private readonly string _database = $"cloudmarket_process_{Guid.NewGuid():N}";
        private readonly string _mail = Path.Combine(Path.GetTempPath(), $"cloudmarket-process-{Guid.NewGuid():N}-mail");
        private string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresFactory.ServerConnectionString) { Database = _database }.ConnectionString;

        public override Dictionary<string, string?> Settings => new()
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Email:PickupDirectory"] = _mail,
        };

        public override async Task CreateAsync()
        {
            await using var admin = new NpgsqlConnection(PostgresFactory.ServerConnectionString);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        public override long Scalar(string sql)
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(command.ExecuteScalar());
        }

        public override int Execute(string sql)
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return command.ExecuteNonQuery();
        }

        public override async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(PostgresFactory.ServerConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            if (Directory.Exists(_mail)) Directory.Delete(_mail, true);
        }
    }
}

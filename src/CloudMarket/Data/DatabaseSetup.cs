using CloudMarket.Features.Identity;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace CloudMarket.Data;

public static class DatabaseSetup
{
    /// <summary>The optional read replica's connection string (PostgreSQL only; docs/performance.md, "Read replica").</summary>
    public const string ReplicaConnectionString = "PostgresReadReplica";

    /// <summary>
    /// Registers <see cref="AppDbContext"/> for the configured provider, with every <see cref="IInterceptor"/>
    /// the features register (e.g. provisioning's wake-up after new jobs commit).
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.Provider == DatabaseProvider.Postgres || string.IsNullOrEmpty(configuration.GetConnectionString(ReplicaConnectionString)),
                $"ConnectionStrings:{ReplicaConnectionString} is set but Database:Provider is not Postgres (a read replica is a PostgreSQL streaming replica).")
            .ValidateOnStart();
        var provider = configuration.GetSection(DatabaseOptions.Section).GetValue(nameof(DatabaseOptions.Provider), DatabaseProvider.Sqlite);
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                var pg = configuration.GetConnectionString("Postgres")
                         ?? throw new OptionsValidationException("ConnectionStrings:Postgres", typeof(DatabaseOptions),
                             ["Database:Provider is Postgres but ConnectionStrings:Postgres is not set."]);
                services.AddDbContextPool<AppDbContext, PostgresAppDbContext>((sp, o) => o.UseAppNpgsql(TunePostgres(pg)).AddInterceptors(sp.GetServices<IInterceptor>()));
                services.AddDbContext<DataProtectionKeyStore>(o => o.UseNpgsql(NotMultiplexed(pg)));
                if (configuration.GetConnectionString(ReplicaConnectionString) is { Length: > 0 } replica)
                    services.AddSingleton(sp => new ReadReplica(replica, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
                break;
            default:
                var sqlite = InContentRoot(configuration.GetConnectionString("Sqlite") ?? "Data Source=cloudmarket.db", contentRoot);
                services.AddDbContextPool<AppDbContext, SqliteAppDbContext>((sp, o) => o.UseSqlite(sqlite)
                    .AddInterceptors(sp.GetServices<IInterceptor>()).AddInterceptors(new SqliteConnectionSetup()));
                services.AddDbContext<DataProtectionKeyStore>(o => o.UseSqlite(sqlite).AddInterceptors(new SqliteConnectionSetup()));
                break;
        }
        // Where the read-only views read (the primary, or the replica when there is one): ReadDb decides.
        services.AddScoped<ReadDb>();
        return services;
    }

    /// <summary>
    /// A relative SQLite file lives in the app's folder (the content root), not wherever the process was
    /// started from: a published build started as <c>dotnet /opt/cloudmarket/CloudMarket.dll</c> keeps its
    /// database next to it. Under <c>dotnet run</c> that is the project folder, as before.
    /// </summary>
    private static string InContentRoot(string connectionString, string contentRoot)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && builder.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.Memory
            && !file.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !Path.IsPathRooted(file))
            builder.DataSource = Path.Combine(contentRoot, file);
        return builder.ToString();
    }

    /// <summary>
    /// Npgsql settings the app's statement mix needs, unless the connection string sets them itself:
    /// the same few statements run thousands of times a second, so they are prepared on each physical
    /// connection (planning cost 0.4–0.6 ms per statement, more than running it), a connection
    /// returned to the pool is not reset with DISCARD ALL (which would drop those prepared statements;
    /// the app sets no session state that a reset would have to undo), and commands outside a transaction
    /// are multiplexed: concurrent requests' statements share a few physical connections and go out and come
    /// back in one socket write and read, instead of a connection, a write and a wake-up each (the app and
    /// PostgreSQL share the machine's cores with the kernel's work for every round trip). Multiplexing needs
    /// every command to be asynchronous and no state kept on a connection between commands outside a
    /// transaction: the app's are; Data Protection's are not, and it has a context of its own
    /// (<see cref="DataProtectionKeyStore"/>). docs/performance.md, points 3 and 34.
    /// </summary>
    internal static string TunePostgres(string connectionString)
    {
        var given = SettingsIn(connectionString);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MAXAUTOPREPARE")) builder.MaxAutoPrepare = 64;
        if (!given.Contains("NORESETONCLOSE")) builder.NoResetOnClose = true;
        if (!given.Contains("MULTIPLEXING")) builder.Multiplexing = true;
        return builder.ConnectionString;
    }

    /// <summary>
    /// The same connection string with multiplexing off, whatever it said: for a connection whose user needs what a
    /// multiplexed one does not give (Data Protection's synchronous calls; the read replica's connect-to-probe).
    /// </summary>
    internal static string NotMultiplexed(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Multiplexing = false }.ConnectionString;

    /// <summary>
    /// The keywords a connection string sets, upper case without spaces (<c>MAXAUTOPREPARE</c>), in whatever spelling it
    /// used. NpgsqlConnectionStringBuilder.ContainsKey says whether a keyword is KNOWN, not whether it is set: it was
    /// always true, so a default applied "unless set" was never applied (every statement planned, DISCARD ALL on every
    /// checkout; the read replica's short connect timeout). The generic builder reads what the string sets.
    /// </summary>
    internal static HashSet<string> SettingsIn(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();

    /// <summary>
    /// Creates the configured PostgreSQL database when it does not exist yet, as <c>MigrateAsync</c> would. EF Core looks
    /// for it by connecting, and logs the refused connection at Error ("An error occurred using the connection to database
    /// …") before it creates the database: an operator's first start greeted them with a <c>fail:</c> line for what is the
    /// normal first step. Looked for here with a connection of its own, unlogged; created by EF Core's own creator.
    /// </summary>
    private static async Task CreatePostgresDatabaseIfMissingAsync(AppDbContext db)
    {
        // Unpooled: one connection at start, not an idle one kept in a pool of its own.
        var probeString = new Npgsql.NpgsqlConnectionStringBuilder(NotMultiplexed(db.Database.GetConnectionString()!)) { Pooling = false };
        await using (var probe = new Npgsql.NpgsqlConnection(probeString.ConnectionString))
        {
            try
            {
                await probe.OpenAsync();
                return;
            }
            catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InvalidCatalogName)
            {
                // Missing: created below. Any other failure (server down, wrong password) is EF Core's to report as before.
            }
        }
        await db.GetService<IRelationalDatabaseCreator>().CreateAsync();
    }

    /// <summary>Applies migrations and seeds the demo data into an empty database.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.MigrateOnStart)
        {
            if (db.IsSqlite)
                // WAL lets readers go on while the single writer (requests or the worker) commits.
                await db.Database.OpenConnectionAsync();
            // A migration may rewrite a large table (OrderOfferNames fills a column of every order: minutes at 1,000,000 orders),
            // which EF's default of 30 s per command would cut short and the app would not start. A start that migrates waits.
            db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
            if (db.IsPostgres)
            {
                await CreatePostgresDatabaseIfMissingAsync(db);
                // EF Core (10, with Npgsql) reads the history before it creates the table and logs the refused read at Error,
                // which the maintainers call spurious (npgsql/efcore.pg#3407): on a new database the table is there first.
                await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync();
            }
            await db.Database.MigrateAsync();
            db.Database.SetCommandTimeout(null);
            if (db.IsSqlite)
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
                await db.Database.CloseConnectionAsync();
            }
        }
        await scope.ServiceProvider.GetRequiredService<DemoData>().SeedIfEmptyAsync();
        // After the demo, which creates the roles with its own ids; without it the user pages need them too.
        await UserAdministration.EnsureRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<Guid>>>());
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudMarket.Data;
using CloudMarket.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// The whole application on one database of its own, seeded with the demo data.
/// The same API suites run once per provider through <see cref="SqliteFactory"/> and <see cref="PostgresFactory"/>.
/// </summary>
public abstract class CloudMarketFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string PostgresVariable = "CLOUDMARKET_TEST_POSTGRES";

    public abstract DatabaseProvider Provider { get; }
    protected abstract string ConnectionString { get; }

    /// <summary>The environment the app runs in ("Testing", outside Development) and the settings it needs there.</summary>
    protected virtual string EnvironmentName => "Testing";
    protected virtual IReadOnlyDictionary<string, string?> EnvironmentSettings => TestingSettings;

    /// <summary>
    /// Serve over real HTTP on a loopback port instead of the in-memory test server, for what depends on
    /// the connection (the client's address, trusted proxies). Then use <see cref="RealClient"/>.
    /// </summary>
    protected virtual bool UseRealServer => false;

    /// <summary>The loopback address when <see cref="UseRealServer"/>, e.g. http://127.0.0.1:41234/.</summary>
    public Uri? RealAddress { get; private set; }

    /// <summary>A client of the real server that follows no redirect and keeps no cookie (the test reads and sends them).</summary>
    public HttpClient RealClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = RealAddress ?? throw new InvalidOperationException("This factory serves in memory; see UseRealServer."),
        };

    /// <summary>Extra settings a test class needs (e.g. a lower lockout threshold).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>The folder <see cref="Settings"/> gave the app's mail, if any: the test's own, removed with the app.</summary>
    private string? _mailFolder;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_mailFolder is not null && Directory.Exists(_mailFolder)) Directory.Delete(_mailFolder, recursive: true);
    }

    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        WebSetup.ConfigureJson(json);
        return json;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Database:Provider", Provider.ToString());
        builder.UseSetting($"ConnectionStrings:{Provider}", ConnectionString);
        foreach (var (key, value) in EnvironmentSettings)
            builder.UseSetting(key, value);
        builder.UseSetting("Security:AnonymousApiRequestsPerSecondPerAddress", "100000");
        // Placed orders stay where the test put them unless a suite turns provisioning on.
        builder.UseSetting("Provisioning:WorkerEnabled", "false");
        builder.UseSetting("VendorSandbox:InProcess", "false");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
            if (key == "Email:PickupDirectory") _mailFolder = value;
        }
        builder.ConfigureLogging(logging => logging.AddProvider(RequestLog));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(Statements);
        });
    }

    /// <summary>The statements of the requests a test marks (<see cref="StatementLog.OfGetAsync"/>).</summary>
    public StatementLog Statements { get; } = new();

    /// <summary>The app's clock: real time that a test can move forward instead of sleeping.</summary>
    public TestClock Clock { get; } = new();

    /// <summary>
    /// What the "Testing" environment needs explicitly, being outside Development: the demo on, plain HTTP,
    /// keys unencrypted, limits out of the way of suites that sign in a lot from one address.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> TestingSettings = new Dictionary<string, string?>
    {
        ["Demo:Seed"] = "true",
        ["Demo:Password"] = DemoPassword,
        ["Https:Enforce"] = "false",
        ["DataProtection:AllowUnencryptedKeys"] = "true",
        ["Security:SignInRequestsPerMinute"] = "100000",
        ["Security:FailedSignInsPerAddress"] = "100000",
        ["Security:ApiRequestsPerSecondPerUser"] = "100000",
    };

    /// <summary>The request log lines this app wrote.</summary>
    public RecordedRequestLog RequestLog { get; } = new();

    public virtual ValueTask InitializeAsync()
    {
        // Building the host migrates and seeds the database.
        if (!UseRealServer)
        {
            _ = Server;
            return ValueTask.CompletedTask;
        }
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        RealAddress = new Uri(address.TrimEnd('/') + "/");
        return ValueTask.CompletedTask;
    }

    /// <summary>A fresh scope's database context, to look at or arrange state directly.</summary>
    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>A demo user as the rules see them, for tests that call the queries directly.</summary>
    public Task<CloudMarket.Features.Identity.Actor> ActorAsync(string email) => WithDbAsync(async db =>
    {
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var org = await db.Organizations.SingleAsync(o => o.Id == user.OrganizationId);
        var role = DemoData.Users.Single(u => u.Email == email).Role;
        return new CloudMarket.Features.Identity.Actor(user.Id, user.FullName, email, org.Id, org.Name, org.Type, [role]);
    });

    /// <summary>A demo user working in a customer's Customer View (their own organization, or one they act for).</summary>
    public async Task<CloudMarket.Features.Organizations.CustomerContext> CustomerContextAsync(string email, Guid customerId)
    {
        var actor = await ActorAsync(email);
        return await WithDbAsync(async db =>
        {
            var customer = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == customerId);
            var seller = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == customer.ParentId);
            return new CloudMarket.Features.Organizations.CustomerContext(actor, customer, seller);
        });
    }

    private readonly Lazy<Task<OpenApiContract>> _contract;

    protected CloudMarketFactory() => _contract = new(LoadContractAsync);

    /// <summary>This app's OpenAPI document, read once, as the checker of every API answer the tests receive.</summary>
    public Task<OpenApiContract> ContractAsync() => _contract.Value;

    private async Task<OpenApiContract> LoadContractAsync()
    {
        using var raw = Server.CreateClient();
        return new OpenApiContract(await raw.GetStringAsync("/openapi/v1.json"));
    }

    /// <summary>
    /// A client like <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> (redirects, cookies) whose every
    /// API answer is checked against the OpenAPI document: a test that receives an undocumented answer fails with
    /// an <see cref="OpenApiContractViolation"/> naming the operation and what differs.
    /// </summary>
    public new HttpClient CreateClient() =>
        CreateDefaultClient(ClientOptions.BaseAddress, new RedirectHandler(), new CookieContainerHandler(), new ContractCheckingHandler(ContractAsync));

    private readonly Dictionary<string, string> _tokens = new();
    private readonly SemaphoreSlim _tokenLock = new(1, 1);

    /// <summary>An API client signed in as a demo user (tokens cached per factory), optionally acting on behalf of a customer.</summary>
    public async Task<HttpClient> ClientAsync(string email, Guid? onBehalfOf = null)
    {
        string token;
        await _tokenLock.WaitAsync();
        try
        {
            if (!_tokens.TryGetValue(email, out token!))
            {
                using var anonymous = CreateClient();
                var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = DemoPassword });
                response.EnsureSuccessStatusCode();
                token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
                _tokens[email] = token;
            }
        }
        finally { _tokenLock.Release(); }

        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (onBehalfOf is { } customer)
            client.DefaultRequestHeaders.Add("X-On-Behalf-Of", customer.ToString());
        return client;
    }

    public const string DemoPassword = "Demo123!";

    /// <summary>A signed-in client whose X-On-Behalf-Of header carries any text, valid or not.</summary>
    public async Task<HttpClient> CreateAuthenticatedWithRawHeaderAsync(string email, string onBehalfOf)
    {
        var client = await ClientAsync(email);
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-On-Behalf-Of", onBehalfOf);
        return client;
    }
}

public class SqliteFactory : CloudMarketFactory
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cloudmarket-test-{Guid.NewGuid():N}.db");

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString => $"Data Source={_file}";

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _file, _file + "-wal", _file + "-shm" })
            File.Delete(f);
    }
}

/// <summary>
/// A database of its own on the PostgreSQL server that ./test.sh starts. Without that server the
/// tests fail with a clear message: a PostgreSQL suite is never silently skipped.
/// </summary>
public class PostgresFactory : CloudMarketFactory
{
    private readonly string _database;
    private readonly bool _ownsDatabase;
    private readonly bool _createsDatabase = true;
    private string? _connectionString;

    public PostgresFactory() => (_database, _ownsDatabase) = ($"cloudmarket_test_{Guid.NewGuid():N}", true);

    /// <summary>A database of its own that, unless <paramref name="createsDatabase"/>, the app must create itself at start; dropped after.</summary>
    protected PostgresFactory(bool createsDatabase) : this() => _createsDatabase = createsDatabase;

    /// <summary>A second app instance on another factory's database, which that one creates, migrates and drops.</summary>
    protected PostgresFactory(PostgresFactory sameDatabaseAs) => (_database, _ownsDatabase) = (sameDatabaseAs._database, false);

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString => _connectionString ??= new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = _database }.ConnectionString;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"The PostgreSQL test suite needs a server: set {PostgresVariable} to a connection string, or run ./test.sh, which starts one.");

    public override async ValueTask InitializeAsync()
    {
        if (_ownsDatabase && _createsDatabase)
        {
            await using var admin = new NpgsqlConnection(ServerConnectionString);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        await BeforeStartAsync();
        await base.InitializeAsync();
    }

    /// <summary>Runs once the database is set up and before the app starts.</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsDatabase) return;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

namespace CloudMarket.Bench;

/// <summary>
/// Scaling out (<c>--instances N</c>, optionally <c>--replica-pg "…"</c>): the plain list views (every view and a
/// status filter, both roles, first page) with the same number of clients, first against the one app instance the
/// run already measured, then against N instances on the same database, requests spread round robin, and, given a
/// streaming replica of that database, against N instances reading from it
/// (<c>ConnectionStrings:PostgresReadReplica</c>). The figure is how throughput moves as instances are added on
/// the same machine (docs/performance.md, "Read replica").
/// </summary>
public static class ScaleOut
{
    public static int Instances(string[] args) => Arg(args, "--instances") is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 1;

    public static string? Replica(string[] args) => Arg(args, "--replica-pg");

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static async Task<List<LoadResult>> RunAsync(AppRunner first, Scenarios s, Options opt, IDictionary<string, string> settings,
        string logFile, int instances, string? replica)
    {
        var lists = s.All.Where(x => x.Filter is { Search: null } && x.Cursor is null).ToList();
        var results = new List<LoadResult>();
        Console.WriteLine($"Scale-out: the lists with {opt.Clients} clients on 1 instance, then on {instances}:");
        results.AddRange(await RoundAsync(s, opt, lists, [first.BaseUrl], "1 instance", warm: false));

        // The extra instances serve reads only: the measured instance keeps the provisioning worker.
        var extra = new Dictionary<string, string>(settings) { ["Provisioning__WorkerEnabled"] = "false" };
        results.AddRange(await WithInstancesAsync(instances - 1, extra, opt, logFile, more =>
            RoundAsync(s, opt, lists, [first.BaseUrl, .. more], $"{instances} instances")));
        if (replica is not null)
        {
            Console.WriteLine($"… and on {instances} instances reading from the replica:");
            var withReplica = new Dictionary<string, string>(extra) { ["ConnectionStrings__PostgresReadReplica"] = replica };
            var before = await TransactionsAsync(replica);
            results.AddRange(await WithInstancesAsync(instances, withReplica, opt, logFile, all =>
                RoundAsync(s, opt, lists, all, $"{instances} instances, replica")));
            // The evidence that the lists were read there: the replica's own count of transactions in the database.
            ReplicaTransactions = await TransactionsAsync(replica) - before;
            Console.WriteLine($"  transactions on the replica during that round: {ReplicaTransactions:N0}");
        }
        return results;
    }

    /// <summary>Transactions the replica ran in the database during the replica round (null without one).</summary>
    public static long? ReplicaTransactions { get; private set; }

    private static async Task<long> TransactionsAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<LoadResult>> WithInstancesAsync(int count, Dictionary<string, string> settings, Options opt, string logFile,
        Func<string[], Task<List<LoadResult>>> run)
    {
        var started = new List<AppRunner>();
        try
        {
            for (var i = 0; i < count; i++) started.Add(await AppRunner.StartAsync(opt.AppDll, settings, logFile));
            return await run(started.Select(a => a.BaseUrl).ToArray());
        }
        finally
        {
            foreach (var app in started) await app.DisposeAsync();
        }
    }

    private static async Task<List<LoadResult>> RoundAsync(Scenarios s, Options opt, List<Scenario> lists, string[] bases, string label, bool warm = true)
    {
        HttpRequestMessage Make(Scenario x, long i) => s.Request(HttpMethod.Get, bases[i % bases.Length] + x.Url(i), x.AsSeller);
        // A fresh instance runs its first seconds at a fraction of its speed (JIT): warm every instance first.
        if (warm) await Load.RunAsync(s.Http, $"warm-up, {label}", i => Make(lists[(int)(i / bases.Length % lists.Count)], i), opt.Clients,
            TimeSpan.FromSeconds(opt.WarmUpSeconds));
        var results = new List<LoadResult>();
        foreach (var x in lists)
            results.Add(await Load.RunAsync(s.Http, $"{x.Name}, {label}", i => Make(x, i), opt.Clients, TimeSpan.FromSeconds(opt.Seconds)));
        return results;
    }
}

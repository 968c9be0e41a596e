using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace CloudMarket.Bench;

/// <summary>
/// CPU time of the app, of PostgreSQL and of this driver over an interval, per request or per order.
/// <paramref name="AppMs"/> includes the vendor sandbox's process (as when it ran inside the app, so figures stay
/// comparable run to run); <paramref name="VendorSandboxMs"/> is that part of it alone: the vendor's cost, which a
/// deployment pays on the vendor's machines, not on CloudMarket's.
/// </summary>
public sealed record CpuShare(double AppMs, double PostgresMs, double DriverMs, double VendorSandboxMs = 0)
{
    public double TotalMs => AppMs + PostgresMs + DriverMs;

    /// <summary>
    /// The most requests a second the machine's cores could serve at this cost, whatever the latency: the bound
    /// a closed-loop run on this machine cannot pass, and the evidence for a throughput target out of reach.
    /// </summary>
    public double CeilingPerSecond => Ceiling(TotalMs);

    public CpuShare Per(double count) => count <= 0
        ? new CpuShare(double.NaN, double.NaN, double.NaN, double.NaN)
        : new CpuShare(Math.Round(AppMs / count, 3), Math.Round(PostgresMs / count, 3), Math.Round(DriverMs / count, 3),
            Math.Round(VendorSandboxMs / count, 3));

    /// <summary>
    /// The most a second the cores could serve if the vendor's work ran elsewhere, as in a deployment: the bound
    /// CloudMarket's own cost sets.
    /// </summary>
    public double CeilingWithoutVendorPerSecond => Ceiling(TotalMs - VendorSandboxMs);

    private static double Ceiling(double msPerRequest) =>
        msPerRequest <= 0 ? double.NaN : Math.Round(Environment.ProcessorCount * 1000 / msPerRequest, 0);

    /// <summary>The shares; the sandbox's part only where it is something (the lists' rows have none).</summary>
    public override string ToString()
    {
        var withSandbox = VendorSandboxMs >= 0.01;
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU ms app {AppMs}{(withSandbox ? $" (vendor sandbox {VendorSandboxMs} of it)" : "")} + PostgreSQL {PostgresMs} + driver {DriverMs} (ceiling {CeilingPerSecond}/s{(withSandbox ? $", {CeilingWithoutVendorPerSecond}/s without the sandbox" : "")})");
    }
}

/// <summary>
/// Reads the CPU the benchmark's processes spent, from <c>/proc</c>: the app instances (<see cref="AppRunner"/>
/// registers them), the benchmark's own PostgreSQL (its postmaster and every backend, including the backends
/// that ended meanwhile, which the postmaster's children's time keeps) and this process. Wall-clock figures on
/// a shared machine move with the load; CPU per request barely does, and it says what two cores can serve.
/// </summary>
public static class CpuMeter
{
    // Apart, so that each process's CPU is read once: the app's share is both sets', the sandbox's part the second's.
    private static readonly Lock Pids = new();
    private static readonly HashSet<int> AppPids = [];
    private static readonly HashSet<int> VendorSandboxPids = [];
    private static int? _postmasterPid;
    private static readonly double TickMs = 1000.0 / 100; // USER_HZ is 100 on Linux

    public static void AddApp(int pid) { lock (Pids) AppPids.Add(pid); }

    /// <summary>A vendor sandbox's process: counted in the app's share and, apart, as its part of it.</summary>
    public static void AddVendorSandbox(int pid) { lock (Pids) VendorSandboxPids.Add(pid); }

    /// <summary>An app or vendor sandbox process that is ending.</summary>
    public static void RemoveApp(int pid)
    {
        lock (Pids)
        {
            AppPids.Remove(pid);
            VendorSandboxPids.Remove(pid);
        }
    }

    /// <summary>Finds the PostgreSQL server of the connection (same machine: its data folder's postmaster.pid).</summary>
    public static async Task AttachPostgresAsync(string connectionString)
    {
        try
        {
            // The server's own database: the benchmark's is created later, by the app.
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SHOW data_directory", connection);
            var folder = (string)(await command.ExecuteScalarAsync())!;
            _postmasterPid = int.Parse(File.ReadLines(Path.Combine(folder, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException or FormatException)
        {
            Console.WriteLine($"  (PostgreSQL's CPU is not counted: {e.Message})");
        }
    }

    public static Reading Read()
    {
        int[] apps, sandboxes;
        lock (Pids)
        {
            apps = [.. AppPids];
            sandboxes = [.. VendorSandboxPids];
        }
        var sandboxTicks = sandboxes.Sum(p => Ticks(p, children: false));
        return new Reading(apps.Sum(p => Ticks(p, children: false)) + sandboxTicks, _postmasterPid is { } pm ? PostgresTicks(pm) : 0,
            Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds, sandboxTicks);
    }

    public readonly record struct Reading(long AppTicks, long PostgresTicks, double DriverMs, long VendorSandboxTicks)
    {
        public CpuShare Since(Reading start) =>
            new((AppTicks - start.AppTicks) * TickMs, (PostgresTicks - start.PostgresTicks) * TickMs, DriverMs - start.DriverMs,
                (VendorSandboxTicks - start.VendorSandboxTicks) * TickMs);
    }

    private static long PostgresTicks(int postmaster)
    {
        long total = Ticks(postmaster, children: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == postmaster) continue;
            var fields = StatFields(pid);
            if (fields is not null && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture)) total += Sum(fields, children: false);
        }
        return total;
    }

    private static long Ticks(int pid, bool children) => StatFields(pid) is { } f ? Sum(f, children) : 0;

    /// <summary>utime and stime (and, for the postmaster, its ended children's cutime and cstime).</summary>
    private static long Sum(string[] f, bool children) =>
        long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
        + (children ? long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture) : 0);

    /// <summary>The fields of /proc/pid/stat after the command name (state first, so ppid is [1] and utime [11]).</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}

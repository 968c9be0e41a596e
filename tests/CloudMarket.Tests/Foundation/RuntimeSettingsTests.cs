using System.Text.Json;
using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The runtime settings the app ships with in CloudMarket.runtimeconfig.json (CloudMarket.csproj), which the process
/// reads as it starts: the same file <see cref="Infrastructure.AppProcess"/> and an operator's `dotnet CloudMarket.dll`
/// run with; and glibc's arena cap, which Program.cs sets first thing (MallocArenas). Their effect on memory and CPU is
/// measured by the benchmark (docs/performance.md, points 51 and 52), not here.
/// </summary>
public sealed class RuntimeSettingsTests
{
    private static JsonElement ShippedConfigProperties()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "CloudMarket.runtimeconfig.json");
        Assert.True(File.Exists(file), $"{file} is not beside CloudMarket.dll");
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void TheGen0Budget_IsCappedAt32MB_WhateverCacheSizeTheHostReports()
    {
        // Without the cap the GC derives the budget from the reported last-level cache: 80 MB on a VM reporting 300 MB.
        Assert.Equal(32L * 1024 * 1024, ShippedConfigProperties().GetProperty("System.GC.Gen0MaxBudget").GetInt64());
        // The name is one this runtime's GC reads (it lists every setting it knows, set or not): were it renamed,
        // the line in the runtimeconfig would do nothing at all.
        Assert.Contains("GCGen0MaxBudget", GC.GetConfigurationVariables().Keys);
    }

    [Fact]
    public void TheWorkstationGC_IsTheDefault()
    {
        // On two cores the server GC kept ~40 MB more for no measurable gain (docs/operations.md, "Memory").
        Assert.False(ShippedConfigProperties().GetProperty("System.GC.Server").GetBoolean());
    }

    [Fact]
    public void MallocArenas_AreCappedAtOnePerCore_AndAtLeastTwo()
    {
        Assert.Equal(2, MallocArenas.CapFor(1));
        Assert.Equal(2, MallocArenas.CapFor(2));
        Assert.Equal(16, MallocArenas.CapFor(16));
    }

    [Fact]
    public void MallocArenas_CapIsAcceptedByTheCLibrary_UnlessTheHostSetItsOwn()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(MallocArenas.Cap()); // no glibc arenas elsewhere: nothing to set
            return;
        }
        // The host's MALLOC_ARENA_MAX, read by glibc as the process started, wins: then the app sets nothing.
        // (Capping this test process's arenas too is harmless: its threads share the ones it has.)
        var hostValue = Environment.GetEnvironmentVariable(MallocArenas.EnvironmentVariable);
        if (hostValue is not null)
        {
            Assert.Null(MallocArenas.Cap());
            return;
        }
        // Found libc, found mallopt and glibc accepted M_ARENA_MAX: what Program.cs relies on as it starts.
        Assert.Equal(MallocArenas.CapFor(Environment.ProcessorCount), MallocArenas.Cap());
        try
        {
            Environment.SetEnvironmentVariable(MallocArenas.EnvironmentVariable, "4");
            Assert.Null(MallocArenas.Cap());
        }
        finally
        {
            Environment.SetEnvironmentVariable(MallocArenas.EnvironmentVariable, null);
        }
    }
}

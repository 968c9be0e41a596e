using System.Text.Json;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The runtime settings the app ships with in CloudMarket.runtimeconfig.json (CloudMarket.csproj), which the process
/// reads as it starts: the same file <see cref="Infrastructure.AppProcess"/> and an operator's `dotnet CloudMarket.dll`
/// run with. Their effect on memory and CPU is measured by the benchmark (docs/performance.md, point 51), not here.
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
}

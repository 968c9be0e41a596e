using System.Diagnostics;
using CloudMarket.Tests.Infrastructure;

namespace CloudMarket.Tests.Contract;

/// <summary>
/// The document the app serves passes Redocly's linter (tools/openapi-lint: the pinned CLI and the rules,
/// with why any is off). test.sh installs the linter (<c>npm ci</c>); without Node.js or the linter this
/// test fails and says what is missing. The document does not depend on the database, so SQLite only.
/// </summary>
public sealed class OpenApiLintTests(SqliteFactory app) : IClassFixture<SqliteFactory>
{
    [Fact]
    public async Task TheServedDocument_HasNoLintProblem()
    {
        var tools = Path.Combine(OpenApiContract.RepositoryRoot(), "tools", "openapi-lint");
        var cli = Path.Combine(tools, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"The OpenAPI linter is not installed: run `npm ci --prefix tools/openapi-lint` (./test.sh does). Missing: {cli}");

        var file = Path.Combine(Path.GetTempPath(), $"cloudmarket-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await app.Server.CreateClient().GetStringAsync("/openapi/v1.json"));
        try
        {
            var (exit, output) = await RunAsync("node", cli, "lint", "--config", Path.Combine(tools, "redocly.yaml"), file);
            Assert.True(exit == 0 && !output.Contains("Warning was generated"), $"redocly lint found problems (exit {exit}):\n{output}");
            Assert.Contains("valid", output);
        }
        finally { File.Delete(file); }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // Only loopback is reachable: no telemetry, no update check.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"Node.js is needed to lint the OpenAPI document and `{program}` could not be started ({e.Message}); ./test.sh installs it.");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)); // a hang guard, not a timing assertion
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}

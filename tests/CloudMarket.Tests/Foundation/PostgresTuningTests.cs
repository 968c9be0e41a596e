using CloudMarket.Data;
using CloudMarket.Tests.Infrastructure;
using Npgsql;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The app's Npgsql defaults (docs/performance.md): statements prepared per connection and run on their generic plans,
/// no reset on checkout and multiplexed commands, unless the operator's connection string says otherwise.
/// </summary>
public sealed class PostgresTuningTests
{
    [Fact]
    public void AConnectionStringWithoutThem_GetsAutoPrepareNoResetAndMultiplexing()
    {
        var tuned = new NpgsqlConnectionStringBuilder(DatabaseSetup.TunePostgres("Host=db;Database=cloudmarket;Maximum Pool Size=100"));
        Assert.Equal(64, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.True(tuned.Multiplexing);
        Assert.Equal(100, tuned.MaxPoolSize);
        Assert.Equal("-c plan_cache_mode=force_generic_plan", tuned.Options);
    }

    [Theory]
    [InlineData("Host=db;Options=-c statement_timeout=5000", "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan")]
    [InlineData("Host=db;Options=-c plan_cache_mode=auto", "-c plan_cache_mode=auto")]
    public void ServerOptions_GetGenericPlans_UnlessTheOperatorChoosesAPlanCacheMode(string connectionString, string expected) =>
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(DatabaseSetup.TunePostgres(connectionString)).Options ?? "");

    [Fact]
    public async Task TheAppsSessions_RunPreparedStatementsOnTheirGenericPlans()
    {
        // What the option does on the server: a session opened with the app's settings reports the mode.
        await using var connection = new NpgsqlConnection(DatabaseSetup.NotMultiplexed(DatabaseSetup.TunePostgres(PostgresFactory.ServerConnectionString)));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW plan_cache_mode", connection);
        Assert.Equal("force_generic_plan", await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false;Multiplexing=false")]
    [InlineData("Host=db;maxautoprepare=0;NoResetOnClose=false;multiplexing=false")]
    public void TheOperatorsOwnSettings_AreKept(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(DatabaseSetup.TunePostgres(connectionString));
        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.False(tuned.NoResetOnClose);
        Assert.False(tuned.Multiplexing);
    }

    [Fact]
    public void TheReadReplica_GetsAShortConnectTimeout_AndNoMultiplexing()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ReadReplica.Tune("Host=replica;Database=cloudmarket"));
        Assert.Equal(3, tuned.Timeout);
        Assert.False(tuned.Multiplexing);
        Assert.Equal(64, tuned.MaxAutoPrepare);
        // The operator's own timeout is kept; multiplexing stays off (the replica's reachability check opens a connection).
        var own = new NpgsqlConnectionStringBuilder(ReadReplica.Tune("Host=replica;timeout=10;Multiplexing=true"));
        Assert.Equal(10, own.Timeout);
        Assert.False(own.Multiplexing);
    }
}

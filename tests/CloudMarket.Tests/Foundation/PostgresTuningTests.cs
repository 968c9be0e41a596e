using CloudMarket.Data;
using Npgsql;

namespace CloudMarket.Tests.Foundation;

/// <summary>
/// The app's Npgsql defaults (docs/performance.md): statements prepared per connection, no reset on
/// checkout and multiplexed commands, unless the operator's connection string says otherwise.
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

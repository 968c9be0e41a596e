using CloudMarket.Infrastructure;

namespace CloudMarket.Tests.Foundation;

/// <summary>The one date and time format of pages, exports and e-mails, in the reader's zone, across DST changes.</summary>
public sealed class TimeFormatTests
{
    private static readonly TimeZoneInfo Berlin = TimeFormat.Find("Europe/Berlin")!;
    private static readonly TimeZoneInfo NewYork = TimeFormat.Find("America/New_York")!;

    private static DateTime Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    [Fact]
    public void Exact_FollowsTheZonesClock_AcrossTheSpringForward()
    {
        // Berlin jumps from 02:00 CET to 03:00 CEST at 01:00 UTC on 29 March 2026.
        Assert.Equal("2026-03-29 01:59", TimeFormat.Exact(Utc(2026, 3, 29, 0, 59), Berlin));
        Assert.Equal("2026-03-29 03:00", TimeFormat.Exact(Utc(2026, 3, 29, 1, 0), Berlin));
        Assert.Equal("2026-03-29 00:59", TimeFormat.Exact(Utc(2026, 3, 29, 0, 59), TimeZoneInfo.Utc));
    }

    [Fact]
    public void WithZone_NamesTheZoneAndOffset_SoTheRepeatedAutumnHourIsUnambiguous()
    {
        // New York's clocks show 01:30 twice on 1 November 2026: first EDT (UTC-4), then EST (UTC-5).
        Assert.Equal("2026-11-01 01:30 (UTC-04:00, America/New_York)", TimeFormat.WithZone(Utc(2026, 11, 1, 5, 30), NewYork));
        Assert.Equal("2026-11-01 01:30 (UTC-05:00, America/New_York)", TimeFormat.WithZone(Utc(2026, 11, 1, 6, 30), NewYork));
        Assert.Equal("2026-11-01 06:30 UTC", TimeFormat.WithZone(Utc(2026, 11, 1, 6, 30), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Date_IsTheLocalDate()
    {
        Assert.Equal("2026-03-30", TimeFormat.Date(Utc(2026, 3, 29, 22, 30), Berlin));
        Assert.Equal("2026-03-29", TimeFormat.Date(Utc(2026, 3, 29, 22, 30), TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(5, "5 min ago")]
    [InlineData(125, "2 h ago")]
    [InlineData(60 * 24 + 5, "1 day ago")]
    [InlineData(60 * 24 * 3, "3 days ago")]
    [InlineData(-120, "in 2 h")]
    public void Relative_CountsOnInstants(int minutesAgo, string expected)
    {
        // Across the spring forward: 125 minutes before 03:05 CEST is 00:00 CET, still "2 h ago".
        var now = Utc(2026, 3, 29, 1, 5);
        Assert.Equal(expected, TimeFormat.Relative(now.AddMinutes(-minutesAgo), now, Berlin));
    }

    [Fact]
    public void Relative_BeyondAMonth_IsTheLocalDate()
    {
        var now = Utc(2026, 6, 1, 12, 0);
        Assert.Equal("2026-03-30", TimeFormat.Relative(Utc(2026, 3, 29, 22, 30), now, Berlin));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Europe/Berlin")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("Etc/GMT+5")]
    public void Find_KnowsIanaNames(string name) => Assert.Equal(name, TimeFormat.Find(name)?.Id);

    [Theory]
    [InlineData("W. Europe Standard Time")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/localtime")]
    [InlineData("Europe/Berlin ")]
    [InlineData("")]
    [InlineData(null)]
    public void Find_RefusesWhatIsNoIanaName(string? name) => Assert.Null(TimeFormat.Find(name));

    [Fact]
    public void Exact_ByName_ReadsAnUnknownNameAsUtc_ForExportsOfOldRows()
    {
        Assert.Equal("2026-03-29 03:00", TimeFormat.Exact(Utc(2026, 3, 29, 1, 0), "Europe/Berlin"));
        Assert.Equal("2026-03-29 01:00", TimeFormat.Exact(Utc(2026, 3, 29, 1, 0), "Nowhere/Special"));
    }

    [Fact]
    public void Choices_StartWithUtc_AndHoldOnlyNamesThatAreAccepted()
    {
        var choices = TimeFormat.Choices();
        Assert.Equal("UTC", choices[0]);
        Assert.Contains("Europe/Berlin", choices);
        Assert.All(choices, c => Assert.NotNull(TimeFormat.Find(c)));
    }
}

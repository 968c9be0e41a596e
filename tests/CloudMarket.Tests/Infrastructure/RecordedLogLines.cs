using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>
/// Keeps the app's log lines at <paramref name="minimum"/> or above, of one category or of all, as "category: message",
/// for tests that assert what the app said (or that it said nothing) about something.
/// </summary>
public sealed class RecordedLogLines(LogLevel minimum, string? category = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) =>
        category is null || categoryName == category ? new Recorder(this, categoryName) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose() { }

    private sealed class Recorder(RecordedLogLines log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log._lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }

    private LogLevel Minimum => minimum;
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudMarket.Tests.Infrastructure;

/// <summary>Keeps the app's per-request log lines (category CloudMarket.Requests) with their structured values, for tests to read.</summary>
public sealed class RecordedRequestLog : ILoggerProvider
{
    public const string Category = "CloudMarket.Requests";

    private readonly ConcurrentQueue<IReadOnlyDictionary<string, object?>> _entries = new();

    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Entries => _entries.ToList();

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Recorder(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose() { }

    private sealed class Recorder(RecordedRequestLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                log._entries.Enqueue(values.ToDictionary(v => v.Key, v => v.Value));
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Hosting;

/// <summary>One log entry the gateway wrote.</summary>
public sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message} {Exception?.GetType().Name}";
}

/// <summary>A logger provider that keeps every entry the gateway's log filters let through.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    /// <summary>
    /// Entries at warning level or above, but for Kestrel's heartbeat warning: it says the test machine is overloaded
    /// (a heartbeat took over a second), not that the gateway handled a request badly.
    /// </summary>
    public IReadOnlyList<LogEntry> Problems => _entries.Where(e => e.Level >= LogLevel.Warning && !IsHeartbeatDelay(e)).ToArray();

    /// <summary>The gateway's warnings naming request fields an endpoint ignored (vLLM's "present in the request but ignored").</summary>
    public IReadOnlyList<string> IgnoredFieldWarnings =>
        _entries.Where(e => e.Level == LogLevel.Warning && e.Message.StartsWith("The following fields were present", StringComparison.Ordinal))
            .Select(e => e.Message).ToArray();

    private static bool IsHeartbeatDelay(LogEntry entry) =>
        entry.Category.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)
        && entry.Message.Contains("heartbeat", StringComparison.OrdinalIgnoreCase);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), exception));
    }
}

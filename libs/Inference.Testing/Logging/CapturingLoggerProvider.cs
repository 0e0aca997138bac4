using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Inference.Testing.Logging;

/// <summary>Keeps every log it is given, so a test can assert what was (not) logged and wait for a log to appear.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly ConcurrentQueue<CapturedLog> _logs = new();

    public IReadOnlyList<CapturedLog> AtLeast(LogLevel level) => _logs.Where(log => log.Level >= level).ToList();

    /// <summary>Completes once the condition holds for the logs captured so far; throws TimeoutException after the timeout.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<CapturedLog>, bool> condition, TimeSpan timeout)
    {
        using var giveUp = new CancellationTokenSource(timeout);
        while (!condition(_logs.ToList()))
        {
            try
            {
                await Task.Delay(PollInterval, giveUp.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the logs did not reach the expected state within {timeout}");
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> logs matching the predicate were captured.</summary>
    public Task WaitForAsync(Func<CapturedLog, bool> predicate, int count, TimeSpan timeout) =>
        WaitUntilAsync(logs => logs.Count(predicate) >= count, timeout);

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _logs);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<CapturedLog> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(new CapturedLog(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, int EventId, string Message, Exception? Exception)
{
    // Shown by a failing Assert.Empty: enough to find the log line and its stack.
    public override string ToString() => $"{Level} {Category}[{EventId}] {Message} {Exception}";
}

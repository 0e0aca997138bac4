using Microsoft.Extensions.Logging;

namespace Scheduler.Core.Engine;

internal sealed partial class EngineLoop
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Avg prompt throughput: {PromptThroughput:F1} tokens/s, Avg generation throughput: {GenerationThroughput:F1} tokens/s, " +
                  "Running: {Running} reqs, Waiting: {Waiting} reqs, GPU KV cache usage: {KvCacheUsagePercent:F1}%, " +
                  "Prefix cache hit rate: {PrefixCacheHitRatePercent:F1}%")]
    private partial void LogStats(double promptThroughput, double generationThroughput, int running, int waiting,
        double kvCacheUsagePercent, double prefixCacheHitRatePercent);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Executor failed step {StepId}; {Waiting} requests re-queued, retrying in {BackoffSeconds:F1} s")]
    private partial void LogExecutorFault(Exception exception, long stepId, int waiting, double backoffSeconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "{Count} requests preempted (recompute) in step {StepId}: KV cache is full")]
    private partial void LogPreempted(int count, long stepId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "Engine loop stopped unexpectedly; all requests aborted")]
    private partial void LogLoopCrashed(Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Request {RequestId} refused by the scheduler")]
    private partial void LogRequestRefused(Exception exception, string requestId);
}

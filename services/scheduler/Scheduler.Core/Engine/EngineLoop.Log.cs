using Microsoft.Extensions.Logging;

namespace Scheduler.Core.Engine;

internal sealed partial class EngineLoop
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Avg prompt throughput: {PromptThroughput:F1} tokens/s, Avg generation throughput: {GenerationThroughput:F1} tokens/s, " +
                  "Running: {Running} reqs, Waiting: {Waiting} reqs, GPU KV cache usage: {KvCacheUsagePercent:F1}%{PerWorkerKvCacheUsage}, " +
                  "Prefix cache hit rate: {PrefixCacheHitRatePercent:F1}%")]
    private partial void LogStats(double promptThroughput, double generationThroughput, int running, int waiting,
        double kvCacheUsagePercent, string perWorkerKvCacheUsage, double prefixCacheHitRatePercent);

    /// <summary>vLLM's SpecDecoding line, over the same interval as the throughput line.</summary>
    private void LogSpeculation(Speculation.SpeculationStats speculation, double seconds)
    {
        var perPosition = string.Join(", ", speculation.AcceptedPerPosition.Select(n =>
            (n / (double)speculation.NumDrafts).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)));
        LogSpeculationStats(
            1 + speculation.NumAcceptedTokens / (double)speculation.NumDrafts,
            speculation.NumAcceptedTokens / seconds,
            speculation.NumDraftTokens / seconds,
            speculation.NumAcceptedTokens,
            speculation.NumDraftTokens,
            perPosition,
            speculation.NumDraftTokens == 0 ? 0 : 100.0 * speculation.NumAcceptedTokens / speculation.NumDraftTokens);
    }

    [LoggerMessage(EventId = 9, Level = LogLevel.Information,
        Message = "SpecDecoding metrics: Mean acceptance length: {MeanAcceptanceLength:F2}, Accepted throughput: {AcceptedThroughput:F2} tokens/s, " +
                  "Drafted throughput: {DraftedThroughput:F2} tokens/s, Accepted: {Accepted} tokens, Drafted: {Drafted} tokens, " +
                  "Per-position acceptance rate: {PerPosition}, Avg Draft acceptance rate: {AcceptanceRatePercent:F1}%")]
    private partial void LogSpeculationStats(double meanAcceptanceLength, double acceptedThroughput, double draftedThroughput, long accepted,
        long drafted, string perPosition, double acceptanceRatePercent);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Worker {WorkerId} failed a step: {Reason}")]
    private partial void LogStepFailed(Exception? exception, string workerId, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "{Count} requests preempted (recompute) on {WorkerId} in step {StepId}: its KV cache is full")]
    private partial void LogPreempted(int count, string workerId, long stepId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "Engine loop stopped unexpectedly; all requests aborted")]
    private partial void LogLoopCrashed(Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Request {RequestId} refused by the scheduler")]
    private partial void LogRequestRefused(Exception exception, string requestId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Worker {WorkerId} (instance {InstanceId}) serving with {NumBlocks} KV blocks; {NumWorkers} workers serving")]
    private partial void LogWorkerJoined(string workerId, string instanceId, int numBlocks, int numWorkers);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} (instance {InstanceId}) removed: {Reason}; {NumMoved} requests re-queued, {NumWorkers} workers serving")]
    private partial void LogWorkerLeft(string workerId, string instanceId, string reason, int numMoved, int numWorkers);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error,
        Message = "{Count} requests failed: no worker has been serving for {TimeoutSeconds:0.#} s")]
    private partial void LogNoWorker(int count, double timeoutSeconds);
}

namespace Scheduler.Core;

/// <summary>The engine already holds its bound of admitted requests; nothing was queued. Retry later.</summary>
public sealed class EngineOverloadedException(int maxConcurrentRequests)
    : Exception($"The server is at its limit of {maxConcurrentRequests} concurrent requests; retry later.")
{
    public int MaxConcurrentRequests { get; } = maxConcurrentRequests;
}

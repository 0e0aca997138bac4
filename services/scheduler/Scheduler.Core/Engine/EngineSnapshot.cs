namespace Scheduler.Core.Engine;

/// <summary>Engine gauges as of the last step, readable from any thread (metrics, health).</summary>
public sealed record EngineSnapshot(int NumRunning, int NumWaiting, double KvCacheUsage)
{
    public static EngineSnapshot Empty { get; } = new(0, 0, 0);
}

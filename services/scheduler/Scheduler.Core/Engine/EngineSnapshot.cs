namespace Scheduler.Core.Engine;

/// <summary>Engine gauges as of the last loop turn, readable from any thread (metrics, health, status).</summary>
/// <param name="NumRunning">Requests in some worker's running batch.</param>
/// <param name="NumWaiting">Requests waiting: in a worker's queue, or for any worker.</param>
/// <param name="KvCacheUsage">Blocks in use over all workers' blocks, 0 to 1.</param>
/// <param name="NumUnplaced">Of the waiting, those waiting for any worker to join.</param>
/// <param name="Workers">Each serving worker.</param>
public sealed record EngineSnapshot(int NumRunning, int NumWaiting, double KvCacheUsage, int NumUnplaced, IReadOnlyList<WorkerSnapshot> Workers)
{
    public static EngineSnapshot Empty { get; } = new(0, 0, 0, 0, []);

    /// <summary>The LoRA adapters that running requests use, each once, in ordinal order (vLLM's running_lora_adapters).</summary>
    public IReadOnlyList<string> RunningLoraAdapters { get; init; } = [];

    /// <summary>The LoRA adapters that waiting requests (on a worker or for any) use, as <see cref="RunningLoraAdapters"/>.</summary>
    public IReadOnlyList<string> WaitingLoraAdapters { get; init; } = [];
}

/// <summary>One serving worker's share of the engine.</summary>
/// <param name="KvCacheUsage">Fraction of its blocks in use, 0 to 1.</param>
/// <param name="NumSteps">Steps it completed.</param>
public sealed record WorkerSnapshot(
    string WorkerId,
    string InstanceId,
    int NumRunning,
    int NumWaiting,
    double KvCacheUsage,
    int NumBlocks,
    long NumSteps);

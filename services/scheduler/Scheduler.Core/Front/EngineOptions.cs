using Scheduler.Core.Scheduling;

namespace Scheduler.Core;

/// <summary>Engine limits and behaviour.</summary>
public sealed record EngineOptions
{
    /// <summary>Most requests running in one step. Default 64.</summary>
    public int MaxNumSeqs { get; init; } = 64;

    /// <summary>Token budget of one step (prompt chunks plus decodes). Default 2048.</summary>
    public int MaxNumBatchedTokens { get; init; } = 2048;

    /// <summary>Longest prompt plus output; null (default) uses the executor's limit, and it is never
    /// more than the executor's limit or its KV capacity.</summary>
    public int? MaxModelLength { get; init; }

    /// <summary>Model name shown to clients; null (default) uses the executor's model name.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Reuse KV of identical prompt prefixes. Default true.</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>Default FCFS.</summary>
    public SchedulingPolicy Policy { get; init; } = SchedulingPolicy.Fcfs;

    /// <summary>How often the throughput line is logged while there is activity. Default 10 s.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before retrying after an executor fault; doubles per consecutive fault up to
    /// <see cref="MaxExecutorFaultBackoff"/>. Default 0.5 s.</summary>
    public TimeSpan ExecutorFaultBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Default 10 s.</summary>
    public TimeSpan MaxExecutorFaultBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumSeqs, 1, nameof(MaxNumSeqs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumBatchedTokens, 1, nameof(MaxNumBatchedTokens));
        if (MaxModelLength is { } maxModelLength)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxModelLength, 2, nameof(MaxModelLength));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StatsInterval, TimeSpan.Zero, nameof(StatsInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(ExecutorFaultBackoff, TimeSpan.Zero, nameof(ExecutorFaultBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExecutorFaultBackoff, ExecutorFaultBackoff, nameof(MaxExecutorFaultBackoff));
    }
}

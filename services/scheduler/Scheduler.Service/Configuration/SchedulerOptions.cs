using Scheduler.Core;
using Scheduler.Core.Scheduling;

namespace Scheduler.Service.Configuration;

/// <summary>The <c>Scheduler</c> configuration section.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>Tokenizer service URL, for example http://127.0.0.1:50051. Required.</summary>
    public string TokenizerAddress { get; set; } = "";

    /// <summary>Workers known at start, besides those that register themselves. Default none.</summary>
    public string[] WorkerAddresses { get; set; } = [];

    /// <summary>Most requests running in one step. Default 64.</summary>
    public int MaxNumSeqs { get; set; } = 64;

    /// <summary>Token budget of one step. Default 2048.</summary>
    public int MaxNumBatchedTokens { get; set; } = 2048;

    /// <summary>Longest prompt plus output; default: the worker's limit (capped by its KV capacity).</summary>
    public int? MaxModelLength { get; set; }

    /// <summary>Model name clients use; default: the worker's model name.</summary>
    public string? ServedModelName { get; set; }

    /// <summary>Seconds between throughput log lines while busy. Default 10.</summary>
    public double StatsIntervalSeconds { get; set; } = 10;

    /// <summary>Reuse KV of identical prompt prefixes. Default true.</summary>
    public bool EnablePrefixCaching { get; set; } = true;

    /// <summary>Fcfs (default) or Priority.</summary>
    public SchedulingPolicy Policy { get; set; } = SchedulingPolicy.Fcfs;

    /// <summary>Seconds between health checks of registered workers. Default 5.</summary>
    public double WorkerHealthIntervalSeconds { get; set; } = 5;

    public EngineOptions ToEngineOptions() => new()
    {
        MaxNumSeqs = MaxNumSeqs,
        MaxNumBatchedTokens = MaxNumBatchedTokens,
        MaxModelLength = MaxModelLength,
        ServedModelName = string.IsNullOrWhiteSpace(ServedModelName) ? null : ServedModelName,
        StatsInterval = TimeSpan.FromSeconds(StatsIntervalSeconds),
        EnablePrefixCaching = EnablePrefixCaching,
        Policy = Policy,
    };
}

using Scheduler.Core;
using Scheduler.Core.Fleet;
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

    /// <summary>Whether the throughput line is logged (vLLM's <c>--disable-log-stats</c> sets false). Default true.</summary>
    public bool LogStats { get; set; } = true;

    /// <summary>Reuse KV of identical prompt prefixes. Default true.</summary>
    public bool EnablePrefixCaching { get; set; } = true;

    /// <summary>
    /// vLLM's --enable-prompt-embeds: take prompts given as input embeddings (GenerateRequest.prompt_embeds, completions'
    /// prompt_embeds). Environment: Scheduler__EnablePromptEmbeds. Default false: such a prompt is refused naming it.
    /// </summary>
    public bool EnablePromptEmbeds { get; set; }

    /// <summary>Plan each worker's next step while its current one runs (vLLM's async scheduling). Default true.</summary>
    public bool AsyncScheduling { get; set; } = true;

    /// <summary>Fcfs (default) or Priority.</summary>
    public SchedulingPolicy Policy { get; set; } = SchedulingPolicy.Fcfs;

    /// <summary>Seconds between health checks of known workers; a check also (re)connects a worker that answers.
    /// Default 2.</summary>
    public double WorkerHealthIntervalSeconds { get; set; } = 2;

    /// <summary>Consecutive failed health checks after which a serving worker is removed (its requests move to
    /// the others). Default 2.</summary>
    public int WorkerHealthFailureThreshold { get; set; } = 2;

    /// <summary>Bound on admitted requests (running plus waiting over all workers); beyond it Generate answers
    /// RESOURCE_EXHAUSTED at once (HTTP 429). Default 256.</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>How a request picks its worker: Prefix (default), LeastLoaded or RoundRobin.</summary>
    public PlacementPolicy Placement { get; set; } = PlacementPolicy.Prefix;

    /// <summary>Under Prefix placement, how many more requests than the least loaded worker a worker may hold and
    /// still be chosen for its cached prefix. Default 4.</summary>
    public int BalanceThreshold { get; set; } = 4;

    /// <summary>Step deadline: StepTimeoutSeconds + StepTimeoutMsPerToken x scheduled tokens; a worker that misses
    /// it is removed and its requests move. Default 30 s.</summary>
    public double StepTimeoutSeconds { get; set; } = 30;

    /// <summary>Default 50 ms per scheduled token.</summary>
    public double StepTimeoutMsPerToken { get; set; } = 50;

    /// <summary>Requests waiting for a worker fail (UNAVAILABLE) once none has served for this long. Default 30.</summary>
    public double NoWorkerTimeoutSeconds { get; set; } = 30;

    /// <summary>vLLM's --max-lora-rank: a LoRA adapter loaded at run time (LoraAdapters.LoadLoraAdapter) with a higher
    /// rank is refused. Unset (default): any rank.</summary>
    public int? MaxLoraRank { get; set; }

    /// <summary>vLLM's --max-loras: the most distinct LoRA adapters running on one worker at a time. Unset (default): no
    /// limit.</summary>
    public int? MaxLoras { get; set; }

    /// <summary>
    /// vLLM's --speculative-config as its JSON text, n-gram method, for example
    /// <c>{"method": "ngram", "num_speculative_tokens": 4, "prompt_lookup_max": 4}</c> (<see cref="SpeculativeConfig"/>).
    /// Unset (default): no speculative decoding.
    /// </summary>
    public string? SpeculativeConfig { get; set; }

    public EngineOptions ToEngineOptions() => new()
    {
        MaxNumSeqs = MaxNumSeqs,
        MaxNumBatchedTokens = MaxNumBatchedTokens,
        MaxModelLength = MaxModelLength,
        ServedModelName = string.IsNullOrWhiteSpace(ServedModelName) ? null : ServedModelName,
        StatsInterval = TimeSpan.FromSeconds(StatsIntervalSeconds),
        LogStats = LogStats,
        EnablePrefixCaching = EnablePrefixCaching,
        EnablePromptEmbeds = EnablePromptEmbeds,
        AsyncScheduling = AsyncScheduling,
        Policy = Policy,
        MaxConcurrentRequests = MaxConcurrentRequests,
        Placement = Placement,
        BalanceThreshold = BalanceThreshold,
        StepTimeout = TimeSpan.FromSeconds(StepTimeoutSeconds),
        StepTimeoutPerToken = TimeSpan.FromMilliseconds(StepTimeoutMsPerToken),
        NoWorkerTimeout = TimeSpan.FromSeconds(NoWorkerTimeoutSeconds),
        MaxLoraRank = MaxLoraRank,
        MaxLoras = MaxLoras,
        Speculative = string.IsNullOrWhiteSpace(SpeculativeConfig) ? null : Core.Speculation.SpeculativeConfig.Parse(SpeculativeConfig),
    };
}

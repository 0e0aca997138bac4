using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;
using Scheduler.Core.Speculation;

namespace Scheduler.Core;

/// <summary>Engine limits and behaviour.</summary>
public sealed record EngineOptions
{
    /// <summary>Most requests running in one step, per worker. Default 64.</summary>
    public int MaxNumSeqs { get; init; } = 64;

    /// <summary>Token budget of one step (prompt chunks plus decodes), per worker. Default 2048.</summary>
    public int MaxNumBatchedTokens { get; init; } = 2048;

    /// <summary>Longest prompt plus output; null (default) uses the executor's limit, and it is never
    /// more than the executor's limit or its KV capacity.</summary>
    public int? MaxModelLength { get; init; }

    /// <summary>Model name shown to clients; null (default) uses the executor's model name.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Reuse KV of identical prompt prefixes. Default true.</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>vLLM's --enable-prompt-embeds: take prompts given as input embeddings (<see cref="Inference.Abstractions.Generation.EmbedsPrompt"/>). Default false.</summary>
    public bool EnablePromptEmbeds { get; init; }

    /// <summary>Plan each worker's next step while its current one runs (vLLM's async scheduling), so the worker
    /// starts the next step as soon as one ends instead of waiting for the result's round trip and the planning. A
    /// request that ends by EOS, a stop id or a stop string then computes one token that is dropped. Default true.</summary>
    public bool AsyncScheduling { get; init; } = true;

    /// <summary>Default FCFS.</summary>
    public SchedulingPolicy Policy { get; init; } = SchedulingPolicy.Fcfs;

    /// <summary>How often the throughput line is logged while there is activity. Default 10 s.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the throughput line is logged at all (vLLM's <c>--disable-log-stats</c> turns it off). Default true.</summary>
    public bool LogStats { get; init; } = true;

    /// <summary>An executor the engine owns (in process) that failed a step rejoins, with an empty KV pool, after
    /// this wait; it doubles per consecutive fault up to <see cref="MaxExecutorFaultBackoff"/>. Remote workers are
    /// brought back by whoever added them. Default 0.5 s.</summary>
    public TimeSpan ExecutorFaultBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Default 10 s.</summary>
    public TimeSpan MaxExecutorFaultBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on admitted requests (running plus waiting, over all workers); beyond it a request is
    /// refused at once with <see cref="EngineOverloadedException"/>. Default 256.</summary>
    public int MaxConcurrentRequests { get; init; } = 256;

    /// <summary>How a request picks its worker. Default <see cref="PlacementPolicy.Prefix"/>.</summary>
    public PlacementPolicy Placement { get; init; } = PlacementPolicy.Prefix;

    /// <summary>Under prefix placement, how many more placed requests than the least loaded worker a worker may
    /// hold and still be chosen for its cache. Default 4.</summary>
    public int BalanceThreshold { get; init; } = 4;

    /// <summary>A step must answer within StepTimeout + StepTimeoutPerToken x its scheduled tokens, or its worker
    /// is removed and its requests move to the others. Default 30 s.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 50 ms per scheduled token.</summary>
    public TimeSpan StepTimeoutPerToken { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>When no worker has been serving for this long, requests waiting for one fail with
    /// <see cref="EngineUnavailableException"/> instead of hanging. Default 30 s.</summary>
    public TimeSpan NoWorkerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>vLLM's --max-lora-rank: a LoRA adapter of a higher rank (adapter_config.json's r) is refused when loaded
    /// at run time; null (default): any rank.</summary>
    public int? MaxLoraRank { get; init; }

    /// <summary>vLLM's --max-loras: the most distinct LoRA adapters running on one worker at a time; a request of another
    /// adapter waits for one of them to finish. Null (default): no limit (vLLM's default, 1, counts GPU memory slots;
    /// here every loaded adapter is ready in memory).</summary>
    public int? MaxLoras { get; init; }

    /// <summary>vLLM's --speculative-config, n-gram method (<see cref="SpeculativeConfig"/>): greedy decodes carry draft
    /// tokens from their own text that the worker verifies in the same pass. Under <see cref="AsyncScheduling"/> a request
    /// whose text repeats itself waits for each step's result before its next (its drafts depend on it); the others stay
    /// pipelined. Null (default): off.</summary>
    public SpeculativeConfig? Speculative { get; init; }

    /// <summary>The step deadline for a step of <paramref name="numTokens"/> tokens.</summary>
    public TimeSpan StepDeadline(int numTokens) => StepTimeout + StepTimeoutPerToken * numTokens;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentRequests, 1, nameof(MaxConcurrentRequests));
        ArgumentOutOfRangeException.ThrowIfNegative(BalanceThreshold, nameof(BalanceThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StepTimeout, TimeSpan.Zero, nameof(StepTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(StepTimeoutPerToken, TimeSpan.Zero, nameof(StepTimeoutPerToken));
        ArgumentOutOfRangeException.ThrowIfLessThan(NoWorkerTimeout, TimeSpan.Zero, nameof(NoWorkerTimeout));
        if (MaxLoras is { } maxLoras)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxLoras, 1, nameof(MaxLoras));
        }

        if (MaxLoraRank is { } maxLoraRank)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxLoraRank, 1, nameof(MaxLoraRank));
        }
    }
}

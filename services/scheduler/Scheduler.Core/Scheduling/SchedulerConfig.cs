using Scheduler.Core.Speculation;

namespace Scheduler.Core.Scheduling;

/// <summary>Limits of one scheduler over one executor's KV memory.</summary>
/// <param name="MaxNumSeqs">Most requests running in one step.</param>
/// <param name="MaxNumBatchedTokens">Token budget of one step (prompt chunks plus decodes).</param>
/// <param name="MaxModelLength">Longest prompt plus output, in tokens.</param>
/// <param name="BlockSize">Tokens per KV block.</param>
/// <param name="NumBlocks">KV blocks of the executor.</param>
/// <param name="EosTokenIds">Ids that end generation unless ignore_eos.</param>
/// <param name="AsyncScheduling">Plan the next step while the previous one runs (vLLM's async scheduling): two steps
/// may be in flight, the second assuming that every request sampling in the first gets one more token.</param>
/// <param name="MaxLoras">vLLM's max_loras: the most distinct LoRA adapters among the running requests; a waiting request
/// of another adapter waits (the requests behind it may start) until one of them is no longer running. Null: no limit.</param>
/// <param name="Speculative">N-gram speculative decoding (<see cref="SpeculativeConfig"/>): greedy decodes carry draft
/// tokens the worker verifies. With async scheduling, a request that drafts runs a step at a time (its drafts depend on
/// every token before them); the others stay pipelined. Null: off.</param>
public sealed record SchedulerConfig(
    int MaxNumSeqs,
    int MaxNumBatchedTokens,
    int MaxModelLength,
    int BlockSize,
    int NumBlocks,
    IReadOnlyList<int> EosTokenIds,
    bool EnablePrefixCaching = true,
    SchedulingPolicy Policy = SchedulingPolicy.Fcfs,
    bool AsyncScheduling = false,
    int? MaxLoras = null,
    SpeculativeConfig? Speculative = null)
{
    /// <summary>Steps that may be planned before the oldest one's result is applied.</summary>
    public int MaxStepsInFlight => AsyncScheduling ? 2 : 1;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumSeqs, 1, nameof(MaxNumSeqs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumBatchedTokens, 1, nameof(MaxNumBatchedTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxModelLength, 2, nameof(MaxModelLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumBlocks, 1, nameof(NumBlocks));
        if (MaxLoras is { } maxLoras)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxLoras, 1, nameof(MaxLoras));
        }

    }
}

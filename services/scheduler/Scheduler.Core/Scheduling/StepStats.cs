namespace Scheduler.Core.Scheduling;

/// <summary>Counts of one scheduled step, for throughput logs and metrics.</summary>
/// <param name="NumPromptTokens">Prompt (and recomputed) tokens scheduled.</param>
/// <param name="NumDecodeTokens">Single-token decodes scheduled.</param>
/// <param name="NumPreemptions">Requests preempted while building the step.</param>
/// <param name="PrefixCacheQueries">Tokens of requests that started, looked up in the prefix cache.</param>
/// <param name="PrefixCacheHits">Of those, tokens found.</param>
public readonly record struct StepStats(
    int NumPromptTokens,
    int NumDecodeTokens,
    int NumPreemptions,
    int PrefixCacheQueries,
    int PrefixCacheHits);

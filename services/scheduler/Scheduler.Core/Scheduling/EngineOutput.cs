using Inference.Abstractions.Execution;

namespace Scheduler.Core.Scheduling;

/// <summary>What one step (or an abort) produced for one request; immutable, so it may cross threads.</summary>
/// <param name="NewTokens">Tokens sampled this step (empty on abort).</param>
/// <param name="Finish">Set when the request ended.</param>
/// <param name="StopReason">The stop token id as text, when a stop id ended it.</param>
/// <param name="PromptLogprobs">With the request's first token, when it asked for prompt logprobs: positions 1 .. prompt
/// length - 1.</param>
/// <param name="Embedding">An embedding request's result, on its last (and only) output.</param>
/// <param name="NumAcceptedPredictionTokens">Output tokens so far that came as accepted drafts from the request's prediction.</param>
public sealed record EngineOutput(
    string RequestId,
    IReadOnlyList<SampledToken> NewTokens,
    FinishReason? Finish,
    string? StopReason,
    int NumPromptTokens,
    int NumOutputTokens,
    int NumCachedTokens,
    IReadOnlyList<PromptTokenLogprob>? PromptLogprobs = null,
    float[]? Embedding = null,
    int NumAcceptedPredictionTokens = 0);

namespace Inference.Abstractions.Execution;

/// <summary>What one step produced.</summary>
/// <param name="StepId">The StepPlan's id.</param>
/// <param name="Sampled">One entry per token sampled for a request whose scheduled tokens reached the end of its known
/// tokens, in order: one, or for a request with draft tokens its accepted drafts and one more; a partial prefill chunk
/// produces none.</param>
/// <param name="Timings">Where the executor spent the step.</param>
/// <param name="NumTokens">Tokens run this step.</param>
/// <param name="PromptLogprobs">For requests whose sampling asks for prompt logprobs, those of the prompt positions
/// computed this step; null when none.</param>
/// <param name="Pooled">One per embedding request whose last prompt token ran this step; null when none.</param>
public sealed record StepResult(
    long StepId,
    IReadOnlyList<SampledToken> Sampled,
    StepTimings Timings,
    int NumTokens,
    IReadOnlyList<PromptLogprobsChunk>? PromptLogprobs = null,
    IReadOnlyList<PooledOutput>? Pooled = null);

/// <param name="Logprob">Log-probability of TokenId under the unmodified distribution.</param>
/// <param name="TopLogprobs">Best alternatives, most likely first.</param>
public sealed record SampledToken(string RequestId, int TokenId, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);

public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <param name="ForwardNs">Forward pass over all scheduled tokens.</param>
/// <param name="SampleNs">Logits processing and sampling.</param>
/// <param name="TotalNs">The whole step inside the executor.</param>
public readonly record struct StepTimings(long ForwardNs, long SampleNs, long TotalNs);

namespace Inference.Abstractions.Execution;

/// <summary>
/// vLLM's prompt logprobs at one prompt position p ≥ 1: how likely the prompt's token p was after tokens 0..p-1
/// (position 0 has no entry, nothing precedes it).
/// </summary>
/// <param name="TokenId">The prompt's token at this position.</param>
/// <param name="Logprob">Its log-probability under the unmodified distribution.</param>
/// <param name="Rank">1 + the number of other tokens at least as likely (1 is the most likely token).</param>
/// <param name="TopLogprobs">The requested number of most likely tokens at this position, most likely first.</param>
public sealed record PromptTokenLogprob(int TokenId, float Logprob, int Rank, IReadOnlyList<TokenLogprob> TopLogprobs);

/// <summary>The prompt logprobs of one request's consecutive prompt positions that a step computed.</summary>
/// <param name="FirstPosition">The prompt position of <paramref name="Positions"/>[0], at least 1.</param>
public sealed record PromptLogprobsChunk(string RequestId, int FirstPosition, IReadOnlyList<PromptTokenLogprob> Positions);

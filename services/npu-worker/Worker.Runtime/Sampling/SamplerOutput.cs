using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <param name="TokenId">The chosen token.</param>
/// <param name="Logprob">Its log-probability under the raw logits (before penalties and temperature).</param>
/// <param name="TopLogprobs">The best tokens under the raw logits, most likely first (empty unless requested).</param>
public readonly record struct SamplerOutput(int TokenId, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);

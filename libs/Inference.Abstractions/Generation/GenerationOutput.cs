using Inference.Abstractions.Execution;

namespace Inference.Abstractions.Generation;

/// <param name="Logprob">Log-probability of the token under the unmodified distribution.</param>
/// <param name="TopLogprobs">Best alternatives, most likely first.</param>
public sealed record GeneratedToken(int TokenId, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);

/// <param name="CachedPromptTokens">Prompt tokens served from the prefix cache.</param>
/// <param name="PredictionTokens">With <see cref="GenerationParams.Prediction"/>: its tokens (once per completion); else 0.</param>
/// <param name="AcceptedPredictionTokens">Completion tokens that came as drafts from the prediction and were accepted.</param>
public sealed record GenerationUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens, int PredictionTokens = 0, int AcceptedPredictionTokens = 0)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>OpenAI's rejected_prediction_tokens: the prediction's tokens that did not become completion tokens.</summary>
    public int RejectedPredictionTokens => Math.Max(0, PredictionTokens - AcceptedPredictionTokens);
}

/// <summary>One streamed piece of a generation.</summary>
/// <param name="NewTokens">Tokens since the previous output.</param>
/// <param name="TextDelta">Text that became final since the previous output.</param>
/// <param name="Finish">Set on the last output.</param>
/// <param name="StopReason">The matched stop string, or the stop id as text.</param>
/// <param name="Usage">Set on the last output.</param>
/// <param name="PromptTokenIds">The prompt's ids, on the first output of each of the <see cref="GenerationParams.N"/> completions.</param>
/// <param name="Index">Which of the request's <see cref="GenerationParams.N"/> completions this output belongs to; each
/// completion ends with its own output carrying Finish and its own Usage.</param>
/// <param name="PromptLogprobs">When <see cref="GenerationParams.PromptLogprobs"/> is set, on the first output only (of
/// completion 0): one entry per prompt position from 1 (position 0 has none).</param>
public sealed record GenerationOutput(
    string RequestId,
    IReadOnlyList<GeneratedToken> NewTokens,
    string TextDelta,
    FinishReason? Finish,
    string? StopReason,
    GenerationUsage? Usage,
    IReadOnlyList<int>? PromptTokenIds,
    int Index = 0,
    IReadOnlyList<PromptTokenLogprob>? PromptLogprobs = null);

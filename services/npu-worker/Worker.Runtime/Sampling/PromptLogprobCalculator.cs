using System.Numerics.Tensors;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>
/// vLLM's prompt logprobs from one position's raw logits: log-softmax, the logprob and rank of the prompt's next token,
/// and the k most likely tokens.
/// </summary>
public static class PromptLogprobCalculator
{
    /// <param name="logits">The raw logits at position p - 1.</param>
    /// <param name="tokenId">The prompt's token at position p.</param>
    /// <param name="topCount">Most likely tokens to list, 0 or more.</param>
    public static PromptTokenLogprob Compute(ReadOnlySpan<float> logits, int tokenId, int topCount)
    {
        float logSumExp = LogSoftmax.LogSumExp(logits);
        float value = logits[tokenId];

        // Rank as vLLM counts it: every token at least as likely, the token itself included.
        int rank = 0;
        foreach (float l in logits)
        {
            if (l >= value)
            {
                rank++;
            }
        }

        return new PromptTokenLogprob(tokenId, value - logSumExp, rank, LogSoftmax.Top(logits, Math.Min(topCount, logits.Length), logSumExp));
    }
}

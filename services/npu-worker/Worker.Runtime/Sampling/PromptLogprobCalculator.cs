using System.Numerics.Tensors;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>
/// vLLM's prompt logprobs from one position's raw logits: log-softmax, the logprob and rank of the prompt's next token,
/// and the k most likely tokens. Reuses one vocabulary-sized scratch row, so it is not thread-safe.
/// </summary>
public sealed class PromptLogprobCalculator(int vocabSize)
{
    private readonly float[] _shifted = new float[vocabSize];

    /// <param name="logits">The raw logits at position p - 1.</param>
    /// <param name="tokenId">The prompt's token at position p.</param>
    /// <param name="topCount">Most likely tokens to list, 0 or more.</param>
    public PromptTokenLogprob Compute(ReadOnlySpan<float> logits, int tokenId, int topCount)
    {
        float logSumExp = LogSoftmax.LogSumExp(logits, _shifted);
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

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
        float logSumExp = LogSumExp(logits);
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

        return new PromptTokenLogprob(tokenId, value - logSumExp, rank, Top(logits, Math.Min(topCount, logits.Length), logSumExp));
    }

    /// <summary>log Σ exp(l), shifted by the maximum so no term overflows.</summary>
    private float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        var shifted = _shifted.AsSpan(0, logits.Length);
        TensorPrimitives.Subtract(logits, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        return max + MathF.Log(TensorPrimitives.Sum<float>(shifted));
    }

    /// <summary>The n largest logits as logprobs, most likely first; ties keep the lower id first.</summary>
    private static TokenLogprob[] Top(ReadOnlySpan<float> logits, int n, float logSumExp)
    {
        if (n <= 0)
        {
            return [];
        }

        var ids = new int[n];
        var values = new float[n];
        int filled = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float value = logits[i];
            if (filled == n && value <= values[n - 1])
            {
                continue;
            }

            int slot = filled < n ? filled++ : n - 1;
            for (; slot > 0 && values[slot - 1] < value; slot--)
            {
                values[slot] = values[slot - 1];
                ids[slot] = ids[slot - 1];
            }

            values[slot] = value;
            ids[slot] = i;
        }

        var top = new TokenLogprob[filled];
        for (int i = 0; i < filled; i++)
        {
            top[i] = new TokenLogprob(ids[i], values[i] - logSumExp);
        }

        return top;
    }
}

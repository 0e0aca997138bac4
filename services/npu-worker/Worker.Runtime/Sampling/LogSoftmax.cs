using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>Logprobs of one position's raw logits, for sampled tokens (<see cref="TokenSampler"/>) and prompt tokens
/// (<see cref="PromptLogprobCalculator"/>) alike.</summary>
public static class LogSoftmax
{
    /// <summary>
    /// log(sum exp(l)) as max + log(sum exp(l - max)): the exponentials vectorized in fp32 over scratch, summed in
    /// fp64 (the vocabulary is 151936 terms; an fp32 sum would lose digits).
    /// </summary>
    public static float LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(logits);
        var exps = scratch[..logits.Length];
        TensorPrimitives.Subtract(logits, max, exps);
        TensorPrimitives.Exp(exps, exps);
        var sum = Vector256<double>.Zero;
        int i = 0;
        for (; i + Vector256<float>.Count <= exps.Length; i += Vector256<float>.Count)
        {
            var (low, high) = Vector256.Widen(Vector256.Create(exps.Slice(i, Vector256<float>.Count)));
            sum += low + high;
        }

        double total = Vector256.Sum(sum);
        for (; i < exps.Length; i++)
        {
            total += exps[i];
        }

        return max + (float)Math.Log(total);
    }

    /// <summary>The n largest logits as logprobs, most likely first; ties keep the lower id first.</summary>
    public static TokenLogprob[] Top(ReadOnlySpan<float> logits, int n, float logSumExp)
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

            int position = filled < n ? filled++ : n - 1;
            while (position > 0 && values[position - 1] < value)
            {
                values[position] = values[position - 1];
                ids[position] = ids[position - 1];
                position--;
            }

            values[position] = value;
            ids[position] = i;
        }

        var result = new TokenLogprob[filled];
        for (int i = 0; i < filled; i++)
        {
            result[i] = new TokenLogprob(ids[i], values[i] - logSumExp);
        }

        return result;
    }
}

using Inference.Abstractions.Execution;
using System.Numerics.Tensors;

namespace Worker.Runtime.Sampling;

/// <summary>
/// Turns one position's logits into a token, in vLLM's order: banned ids and penalties on the logits;
/// then greedy argmax (temperature 0, ties to the lowest id) or temperature → min-p → top-k → top-p →
/// a draw from the request's seeded generator. Logprobs are reported under the raw logits.
/// Buffers are reused across calls; one sampler serves one thread.
/// </summary>
public sealed class TokenSampler(int vocabSize)
{
    /// <summary>Temperatures below this are treated as greedy (dividing by them overflows).</summary>
    private const float GreedyTemperature = 1e-5f;
    private readonly float[] _logits = new float[vocabSize];
    private readonly float[] _sortKeys = new float[vocabSize];
    private readonly int[] _sortIds = new int[vocabSize];

    public SamplerOutput Sample(ReadOnlySpan<float> rawLogits, SequenceSamplingState state)
    {
        var p = state.Parameters;
        var logits = _logits.AsSpan(0, rawLogits.Length);
        rawLogits.CopyTo(logits);
        LogitsProcessors.Apply(logits, p, state);
        if (state.Grammar is { } grammar)
        {
            state.GrammarMask.Apply(logits, grammar);
        }

        int token = p.Temperature < GreedyTemperature ? ArgMax(logits) : Draw(logits, p, state.Random);
        float logSumExp = LogSumExp(rawLogits);
        var top = p.Logprobs > 0 ? TopLogprobs(rawLogits, Math.Min(p.Logprobs, rawLogits.Length), logSumExp) : [];
        return new SamplerOutput(token, rawLogits[token] - logSumExp, top);
    }

    /// <summary>First index of the maximum, so ties go to the lowest id.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private int Draw(Span<float> logits, SamplingParams p, SplitMix64Random random)
    {
        TensorPrimitives.Divide(logits, p.Temperature, logits);
        var probs = logits;
        float max = TensorPrimitives.Max(probs);
        if (float.IsNegativeInfinity(max))
        {
            return 0; // every token banned: nothing sensible to draw; the scheduler's bans leave at least one
        }

        TensorPrimitives.Subtract(probs, max, probs);
        TensorPrimitives.Exp(probs, probs); // exp(-inf) = 0 drops banned ids; not normalised, the draw scales by the mass

        if (p.MinP > 0)
        {
            float threshold = p.MinP; // relative to the best token, whose unnormalised weight is exp(0) = 1
            for (int i = 0; i < probs.Length; i++)
            {
                if (probs[i] < threshold)
                {
                    probs[i] = 0;
                }
            }
        }

        bool topK = p.TopK > 0 && p.TopK < probs.Length;
        bool topP = p.TopP > 0 && p.TopP < 1;
        return topK || topP ? DrawSorted(probs, topK ? p.TopK : probs.Length, topP ? p.TopP : 1f, random) : DrawInOrder(probs, random);
    }

    private static int DrawInOrder(ReadOnlySpan<float> weights, SplitMix64Random random)
    {
        double total = 0;
        foreach (float w in weights)
        {
            total += w;
        }

        double target = random.NextDouble() * total;
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            cumulative += weights[i];
            last = i;
            if (cumulative > target)
            {
                return i;
            }
        }

        return last;
    }

    /// <summary>Top-k then top-p over the candidates sorted by weight (ties by id), then a draw among the kept.</summary>
    private int DrawSorted(ReadOnlySpan<float> weights, int topK, float topP, SplitMix64Random random)
    {
        int count = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                _sortKeys[count] = -weights[i];
                _sortIds[count] = i;
                count++;
            }
        }

        Array.Sort(_sortKeys, _sortIds, 0, count);
        int kept = Math.Min(count, topK);
        double total = 0;
        for (int i = 0; i < kept; i++)
        {
            total -= _sortKeys[i];
        }

        if (topP < 1)
        {
            // Keep the smallest prefix whose mass reaches top_p (at least one token).
            double cumulative = 0;
            for (int i = 0; i < kept; i++)
            {
                cumulative -= _sortKeys[i];
                if (cumulative >= topP * total)
                {
                    kept = i + 1;
                    total = cumulative;
                    break;
                }
            }
        }

        double target = random.NextDouble() * total;
        double sum = 0;
        for (int i = 0; i < kept; i++)
        {
            sum -= _sortKeys[i];
            if (sum > target)
            {
                return _sortIds[i];
            }
        }

        return _sortIds[Math.Max(0, kept - 1)];
    }

    private static float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float l in logits)
        {
            sum += Math.Exp(l - max);
        }

        return max + (float)Math.Log(sum);
    }

    /// <summary>The n largest logits as logprobs, most likely first; ties keep the lower id first.</summary>
    private static TokenLogprob[] TopLogprobs(ReadOnlySpan<float> logits, int n, float logSumExp)
    {
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

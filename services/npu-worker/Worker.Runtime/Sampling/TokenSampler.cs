using Inference.Abstractions.Execution;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    private readonly ulong[] _candidates = new ulong[vocabSize];

    public SamplerOutput Sample(ReadOnlySpan<float> rawLogits, SequenceSamplingState state)
    {
        var p = state.Parameters;
        int token;
        if (p.Temperature < GreedyTemperature && state.Grammar is null && !LogitsProcessors.Edits(p))
        {
            // Greedy on logits nothing edits: the argmax of the raw row, without copying its 150 K floats first.
            token = ArgMax(rawLogits);
        }
        else
        {
            var logits = _logits.AsSpan(0, rawLogits.Length);
            rawLogits.CopyTo(logits);
            LogitsProcessors.Apply(logits, p, state);
            if (state.Grammar is { } grammar)
            {
                state.GrammarMask.Apply(logits, grammar);
            }

            token = p.Temperature < GreedyTemperature ? ArgMax(logits) : Draw(logits, p, state.Random);
        }

        float logSumExp = LogSoftmax.LogSumExp(rawLogits);
        var top = LogSoftmax.Top(rawLogits, Math.Min(p.Logprobs, rawLogits.Length), logSumExp);
        return new SamplerOutput(token, rawLogits[token] - logSumExp, top);
    }

    /// <summary>
    /// First index of the maximum, so ties go to the lowest id (NaN never wins; a NaN at index 0 returns 0, as a
    /// scalar "greater than" scan does). Vectorized: the maximum first, then the first index holding it.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.Length < 2 * Vector256<float>.Count || float.IsNaN(values[0]))
        {
            return ArgMaxScalar(values);
        }

        ref float start = ref MemoryMarshal.GetReference(values);
        var best = Vector256.Create(values[0]);
        int i = 0;
        for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
        }

        float max = best[0];
        for (int lane = 1; lane < Vector256<float>.Count; lane++)
        {
            max = best[lane] > max ? best[lane] : max;
        }

        for (; i < values.Length; i++)
        {
            max = values[i] > max ? values[i] : max;
        }

        var target = Vector256.Create(max);
        for (i = 0; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
        {
            uint hits = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                return i + BitOperations.TrailingZeroCount(hits);
            }
        }

        for (; i < values.Length; i++)
        {
            if (values[i] == max)
            {
                return i;
            }
        }

        return 0;
    }

    private static int ArgMaxScalar(ReadOnlySpan<float> values)
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

    /// <summary>
    /// Top-k then top-p over the candidates sorted by weight (ties by id), then a draw among the kept. Each candidate
    /// is one 64-bit sort key (<see cref="CandidateOrder"/>), so ties order by id; with top-k only the k best are
    /// selected (<see cref="CandidateOrder.SelectSmallest"/>) and sorted, not the whole vocabulary.
    /// </summary>
    private int DrawSorted(ReadOnlySpan<float> weights, int topK, float topP, SplitMix64Random random)
    {
        int count = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                _candidates[count++] = CandidateOrder.Key(weights[i], i);
            }
        }

        int kept = Math.Min(count, topK);
        if (kept < count)
        {
            CandidateOrder.SelectSmallest(_candidates.AsSpan(0, count), kept);
        }

        var sorted = _candidates.AsSpan(0, kept);
        sorted.Sort();
        double total = 0;
        for (int i = 0; i < kept; i++)
        {
            total += CandidateOrder.Weight(sorted[i]);
        }

        if (topP < 1)
        {
            // Keep the smallest prefix whose mass reaches top_p (at least one token).
            double cumulative = 0;
            for (int i = 0; i < kept; i++)
            {
                cumulative += CandidateOrder.Weight(sorted[i]);
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
            sum += CandidateOrder.Weight(sorted[i]);
            if (sum > target)
            {
                return CandidateOrder.Id(sorted[i]);
            }
        }

        return CandidateOrder.Id(sorted[Math.Max(0, kept - 1)]);
    }
}

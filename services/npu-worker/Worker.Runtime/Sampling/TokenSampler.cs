using Inference.Abstractions.Execution;
using Worker.Runtime.Ops;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
    /// <summary>Weights per partial sum of <see cref="DrawInOrder"/>.</summary>
    private const int DrawChunk = 1024;

    private readonly float[] _logits = new float[vocabSize];
    private readonly ulong[] _candidates = new ulong[vocabSize];
    private readonly ulong[] _sortScratch = new ulong[vocabSize];
    private readonly TopCandidates _top = new();
    private readonly double[] _chunkSums = new double[(vocabSize + DrawChunk - 1) / DrawChunk];

    public SamplerOutput Sample(ReadOnlySpan<float> rawLogits, SequenceSamplingState state)
    {
        var p = state.Parameters;
        int token;
        if (p.IsGreedy && state.ActiveGrammar is null && !LogitsProcessors.Edits(p))
        {
            // Greedy on logits nothing edits: the argmax of the raw row, without copying its 150 K floats first.
            token = ArgMax(rawLogits);
        }
        else
        {
            var logits = _logits.AsSpan(0, rawLogits.Length);
            rawLogits.CopyTo(logits);
            LogitsProcessors.Apply(logits, p, state);
            if (state.ActiveGrammar is { } grammar)
            {
                state.GrammarMask.Apply(logits, grammar);
            }

            token = p.IsGreedy ? ArgMax(logits) : Draw(logits, p, state.Random);
        }

        float logSumExp = LogSoftmax.LogSumExp(rawLogits);
        var top = LogSoftmax.Top(rawLogits, Math.Min(p.Logprobs, rawLogits.Length), logSumExp);
        return new SamplerOutput(token, rawLogits[token] - logSumExp, top);
    }

    /// <summary>
    /// First index of the maximum, so ties go to the lowest id (NaN never wins; a NaN at index 0 returns 0, as a
    /// scalar "greater than" scan does). Vectorized: the maximum first, then the first index holding it. The maximum
    /// runs four independent vectors: with one, each step waited on the previous compare and select, and the greedy
    /// pick over the 151936-entry vocabulary took 27 us instead of 11-15 (Zen 5, the row in L2).
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.Length < 2 * Vector256<float>.Count || float.IsNaN(values[0]))
        {
            return ArgMaxScalar(values);
        }

        ref float start = ref MemoryMarshal.GetReference(values);
        var best = Vector256.Create(values[0]);
        Vector256<float> best1 = best, best2 = best, best3 = best;
        int i = 0;
        for (; i + 4 * Vector256<float>.Count <= values.Length; i += 4 * Vector256<float>.Count)
        {
            best = Larger(Vector256.LoadUnsafe(ref start, (nuint)i), best);
            best1 = Larger(Vector256.LoadUnsafe(ref start, (nuint)(i + Vector256<float>.Count)), best1);
            best2 = Larger(Vector256.LoadUnsafe(ref start, (nuint)(i + 2 * Vector256<float>.Count)), best2);
            best3 = Larger(Vector256.LoadUnsafe(ref start, (nuint)(i + 3 * Vector256<float>.Count)), best3);
        }

        best = Larger(Larger(best1, best), Larger(best3, best2));
        for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
        {
            best = Larger(Vector256.LoadUnsafe(ref start, (nuint)i), best);
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

    /// <summary>v where it is greater than best, else best: a NaN in v never replaces a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Larger(Vector256<float> v, Vector256<float> best) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);

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
        var probs = logits;
        if (float.IsNegativeInfinity(DrawWeights(logits, p.Temperature, probs, CpuIsaSelection.Selected)))
        {
            return 0; // every token banned: nothing sensible to draw; the scheduler's bans leave at least one
        }

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

    /// <summary>
    /// A draw's unnormalised weights, w = e^((l - max) / T) (the best token's 1), in one pass that may write over the
    /// logits: 0 for banned ids (-inf), NaN logits and anything below e^-87.3, so only a token that can be drawn weighs
    /// anything. Returns the largest logit (-inf when every id is banned, NaN when one is NaN). Before, dividing by T,
    /// the maximum, subtracting it and <c>TensorPrimitives.Exp</c> (which widens to double) were four passes, 150-163 us
    /// over 151936 logits against 48-52 now (78 on the AVX2 path): a whole Sample with Qwen2.5's defaults (temperature
    /// 0.7, top-k 20, top-p 0.8) took 265-273 us, now 87-94 (141 on the AVX2 path; Zen 5, the row in L2).
    /// </summary>
    internal static float DrawWeights(ReadOnlySpan<float> logits, float temperature, Span<float> weights, CpuIsa isa)
    {
        float max = LogSoftmax.MaxOrNaN(logits);
        float scale = 1 / temperature;
        ref float source = ref MemoryMarshal.GetReference(logits);
        ref float target = ref MemoryMarshal.GetReference(weights);
        int i = 0;

        // A loop per width, as in FastExp: .NET 10 keeps the generic vector interface that would let one serve both internal.
        if (isa == CpuIsa.Avx512)
        {
            var shift512 = Vector512.Create(max);
            var scale512 = Vector512.Create(scale);
            var least512 = Vector512.Create(FastExp.MinExponent);
            for (; i + Vector512<float>.Count <= logits.Length; i += Vector512<float>.Count)
            {
                var y = (Vector512.LoadUnsafe(ref source, (nuint)i) - shift512) * scale512;
                (FastExp.ExpOfNonPositive(y) & Vector512.GreaterThanOrEqual(y, least512)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        var shift = Vector256.Create(max);
        var scale256 = Vector256.Create(scale);
        var least = Vector256.Create(FastExp.MinExponent);
        for (; i + Vector256<float>.Count <= logits.Length; i += Vector256<float>.Count)
        {
            var y = (Vector256.LoadUnsafe(ref source, (nuint)i) - shift) * scale256;
            (FastExp.ExpOfNonPositive(y) & Vector256.GreaterThanOrEqual(y, least)).StoreUnsafe(ref target, (nuint)i);
        }

        for (; i < logits.Length; i++)
        {
            float y = (logits[i] - max) * scale;
            weights[i] = y >= FastExp.MinExponent ? MathF.Exp(y) : 0;
        }

        return max;
    }

    /// <summary>
    /// The inverse-CDF draw in id order: the first id whose running sum passes u * total. Sums are taken per chunk of
    /// <see cref="DrawChunk"/> weights first (vectorized, in double), so only the chunk where the sum passes the target
    /// is walked id by id; a scalar pass over 152K weights, twice, cost about 0.3 ms a sequence.
    /// </summary>
    private int DrawInOrder(ReadOnlySpan<float> weights, SplitMix64Random random)
    {
        int chunks = (weights.Length + DrawChunk - 1) / DrawChunk;
        double total = 0;
        for (int c = 0; c < chunks; c++)
        {
            int from = c * DrawChunk;
            _chunkSums[c] = SumPositive(weights.Slice(from, Math.Min(DrawChunk, weights.Length - from)));
            total += _chunkSums[c];
        }

        double target = random.NextDouble() * total;
        double cumulative = 0;
        int chunk = 0;
        for (; chunk < chunks - 1 && cumulative + _chunkSums[chunk] <= target; chunk++)
        {
            cumulative += _chunkSums[chunk];
        }

        // Id by id from that chunk on (past it only when rounding puts the crossing later).
        int last = -1;
        for (int i = chunk * DrawChunk; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                cumulative += weights[i];
                last = i;
                if (cumulative > target)
                {
                    return i;
                }
            }
        }

        // The sum never passed the target (rounding): the last positive weight.
        for (int i = chunk * DrawChunk - 1; last < 0 && i >= 0; i--)
        {
            last = weights[i] > 0 ? i : -1;
        }

        return Math.Max(last, 0);
    }

    /// <summary>The sum of the positive weights (NaN and zero left out), in double.</summary>
    private static double SumPositive(ReadOnlySpan<float> weights)
    {
        ref float start = ref MemoryMarshal.GetReference(weights);
        Vector256<double> low = default, high = default;
        int i = 0;
        for (; i + Vector256<float>.Count <= weights.Length; i += Vector256<float>.Count)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            var (lower, upper) = Vector256.Widen(v & Vector256.GreaterThan(v, Vector256<float>.Zero));
            low += lower;
            high += upper;
        }

        double sum = Vector256.Sum(low + high);
        for (; i < weights.Length; i++)
        {
            sum += weights[i] > 0 ? weights[i] : 0;
        }

        return sum;
    }

    /// <summary>
    /// Top-k then top-p over the candidates sorted by weight (ties by id), then a draw among the kept. Each candidate
    /// is one 64-bit sort key (<see cref="CandidateOrder"/>), so ties order by id. Up to <see cref="TopCandidates.MaxCount"/>
    /// candidates come from one vectorized pass (<see cref="TopCandidates"/>); top-p alone first tries the best 256,
    /// then four times more, as a nucleus usually holds few tokens (<see cref="TryNucleus"/>); only then is every
    /// positive weight made a key and sorted. A whole Sample per sequence over 152K tokens (Zen 5, one thread): with
    /// top-k 20 and top-p 0.8 (Qwen2.5's generation_config, so the default of a request to it) 1.36 ms when every token
    /// was keyed and selected, 0.22 ms now; top-p 0.9 alone on logits with a few hundred far ahead 0.29 ms, where
    /// sorting all took 9.5 ms. On flat logits, whose nucleus is most of the vocabulary, all are still sorted, by a
    /// radix sort (<see cref="CandidateOrder.SortByWeight"/>): top-p 0.9 1.7 ms where a comparison sort took 10.7.
    /// </summary>
    private int DrawSorted(ReadOnlySpan<float> weights, int topK, float topP, SplitMix64Random random)
    {
        if (topK < weights.Length || topP >= 1 || !TryNucleus(weights, topP, out var kept, out double total))
        {
            kept = topK <= TopCandidates.MaxCount ? _top.Select(weights, topK) : SortAll(weights, topK);
            total = 0;
            foreach (ulong key in kept)
            {
                total += CandidateOrder.Weight(key);
            }

            if (topP < 1 && CutAtMass(ref kept, topP * total, out double nucleus))
            {
                total = nucleus;
            }
        }

        double target = random.NextDouble() * total;
        double sum = 0;
        for (int i = 0; i < kept.Length; i++)
        {
            sum += CandidateOrder.Weight(kept[i]);
            if (sum > target)
            {
                return CandidateOrder.Id(kept[i]);
            }
        }

        return kept.IsEmpty ? 0 : CandidateOrder.Id(kept[^1]);
    }

    /// <summary>
    /// Top-p over the whole row from its best candidates alone: the best 256, then 1024, 4096, until their running
    /// sum reaches top_p of the row's total. False when even <see cref="TopCandidates.MaxCount"/> do not (a flat
    /// distribution): the caller sorts every candidate.
    /// </summary>
    private bool TryNucleus(ReadOnlySpan<float> weights, float topP, out Span<ulong> kept, out double total)
    {
        double all = SumPositive(weights);
        for (int take = 256; take <= TopCandidates.MaxCount; take *= 4)
        {
            var best = _top.Select(weights, take);

            // Fewer than asked for is every positive weight (their sum fell short of top_p only by rounding): all kept.
            if (CutAtMass(ref best, topP * all, out double cumulative) || best.Length < take)
            {
                kept = best;
                total = cumulative;
                return true;
            }

            // The candidates after these weigh no more than the last of them: when even the most that many more could
            // add falls short, the nucleus is larger than any selection here (a flat distribution).
            if (cumulative + (double)(TopCandidates.MaxCount - take) * CandidateOrder.Weight(best[^1]) < topP * all)
            {
                break;
            }
        }

        kept = default;
        total = 0;
        return false;
    }

    /// <summary>
    /// Shortens sorted candidates to the shortest prefix whose mass reaches goal (at least one): true, with that mass.
    /// False when all of them fall short, which are left as they are, with their mass.
    /// </summary>
    private static bool CutAtMass(ref Span<ulong> sorted, double goal, out double mass)
    {
        mass = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            mass += CandidateOrder.Weight(sorted[i]);
            if (mass >= goal)
            {
                sorted = sorted[..(i + 1)];
                return true;
            }
        }

        return false;
    }

    /// <summary>Every positive weight as a key (in id order, as <see cref="CandidateOrder.SortByWeight"/> needs), all sorted; the best topK of them.</summary>
    private Span<ulong> SortAll(ReadOnlySpan<float> weights, int topK)
    {
        int count = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                _candidates[count++] = CandidateOrder.Key(weights[i], i);
            }
        }

        var sorted = _candidates.AsSpan(0, count);
        if (count > 0)
        {
            CandidateOrder.SortByWeight(sorted, _sortScratch);
        }

        return sorted[..Math.Min(count, topK)];
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Inference.Abstractions.Execution;
using Worker.Runtime.Ops;

namespace Worker.Runtime.Sampling;

/// <summary>Logprobs of one position's raw logits, for sampled tokens (<see cref="TokenSampler"/>) and prompt tokens
/// (<see cref="PromptLogprobCalculator"/>) alike.</summary>
public static class LogSoftmax
{
    /// <summary>Values whose exponentials are summed in fp32 lanes before the partial sum moves to fp64.</summary>
    private const int ChunkLength = 256;

    /// <summary>
    /// log(sum exp(l)) as max + log(sum exp(l - max)) in one pass after the max: the exponentials in fp32 registers
    /// (<see cref="FastExp"/>; terms below e^-87.3 count as 1.2e-38, which next to the max's own term of 1 even 151936
    /// of them do not change), summed in four accumulators over each chunk of <see cref="ChunkLength"/>, each chunk's
    /// sum added in fp64 (the vocabulary is 151936 terms; an fp32 sum of them all would lose digits). Nothing is written
    /// back: the earlier form (Subtract and Exp over a scratch row, then an fp64 sum) took 150-290 us on the
    /// 151936-entry vocabulary, on every sampled token. On the AVX-512 path the exponentials are 16 at a time: 25 us for
    /// that vocabulary after the max against 44 with 8 (Zen 5, the row in L2).
    /// </summary>
    public static float LogSumExp(ReadOnlySpan<float> logits) => LogSumExp(logits, CpuIsaSelection.Selected);

    /// <summary><see cref="LogSumExp(ReadOnlySpan{float})"/> on the given path (tests run each).</summary>
    internal static float LogSumExp(ReadOnlySpan<float> logits, CpuIsa isa)
    {
        float max = MaxOrNaN(logits);
        if (!float.IsFinite(max))
        {
            // A NaN logit, or an infinite max (l - max is then NaN for it): NaN, as the direct formula gives.
            return float.NaN;
        }

        int i = 0;
        double total = isa == CpuIsa.Avx512 ? SumExpChunks512(logits, max, ref i) : SumExpChunks256(logits, max, ref i);
        for (; i < logits.Length; i++)
        {
            total += Math.Exp(logits[i] - max);
        }

        return max + (float)Math.Log(total);
    }

    /// <summary>
    /// The largest value, or NaN where any value is NaN (-inf for none), in four independent vectors:
    /// TensorPrimitives.Max, which also orders -0 below +0 (nothing here needs that), took 11-13 us over the
    /// 151936-entry vocabulary in L2 (Zen 5). 256 bits on both paths: 512-bit vectors read it in 6.8 us against 7.1
    /// (alternated in one process), too little for a second body.
    /// </summary>
    internal static float MaxOrNaN(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        float max = float.NegativeInfinity;
        if (values.Length >= 4 * Vector256<float>.Count)
        {
            var m0 = Vector256.Create(float.NegativeInfinity);
            Vector256<float> m1 = m0, m2 = m0, m3 = m0;
            var ordered = Vector256<float>.AllBitsSet;
            for (; i + 4 * Vector256<float>.Count <= values.Length; i += 4 * Vector256<float>.Count)
            {
                var v0 = Vector256.LoadUnsafe(ref start, (nuint)i);
                var v1 = Vector256.LoadUnsafe(ref start, (nuint)(i + Vector256<float>.Count));
                var v2 = Vector256.LoadUnsafe(ref start, (nuint)(i + 2 * Vector256<float>.Count));
                var v3 = Vector256.LoadUnsafe(ref start, (nuint)(i + 3 * Vector256<float>.Count));
                m0 = Vector256.MaxNative(m0, v0);
                m1 = Vector256.MaxNative(m1, v1);
                m2 = Vector256.MaxNative(m2, v2);
                m3 = Vector256.MaxNative(m3, v3);
                ordered &= Vector256.Equals(v0, v0) & Vector256.Equals(v1, v1) & Vector256.Equals(v2, v2) & Vector256.Equals(v3, v3);
            }

            if (ordered.ExtractMostSignificantBits() != 0xFFu)
            {
                return float.NaN;
            }

            var m = Vector256.MaxNative(Vector256.MaxNative(m0, m1), Vector256.MaxNative(m2, m3));
            max = HorizontalMax(m.GetLower(), m.GetUpper());
        }

        return TailMax(values, i, max);
    }

    /// <summary>The largest of eight lanes (none NaN).</summary>
    private static float HorizontalMax(Vector128<float> low, Vector128<float> high)
    {
        var m = Vector128.MaxNative(low, high);
        float max = m[0];
        for (int lane = 1; lane < Vector128<float>.Count; lane++)
        {
            max = Math.Max(max, m[lane]);
        }

        return max;
    }

    /// <summary>max over values[i..] and max; NaN where one of them is.</summary>
    private static float TailMax(ReadOnlySpan<float> values, int i, float max)
    {
        for (; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                return float.NaN;
            }

            max = Math.Max(max, values[i]);
        }

        return max;
    }

    /// <summary>sum exp(l - max) over the whole chunks of logits, eight lanes at a time; i ends after the last chunk.</summary>
    private static double SumExpChunks256(ReadOnlySpan<float> logits, float max, ref int i)
    {
        ref float start = ref MemoryMarshal.GetReference(logits);
        var shift = Vector256.Create(max);
        double total = 0;
        for (; i + ChunkLength <= logits.Length; i += ChunkLength)
        {
            Vector256<float> a = default, b = default, c = default, d = default;
            for (int j = i; j < i + ChunkLength; j += 4 * Vector256<float>.Count)
            {
                a += FastExp.ExpOfNonPositive(Vector256.LoadUnsafe(ref start, (nuint)j) - shift);
                b += FastExp.ExpOfNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 8)) - shift);
                c += FastExp.ExpOfNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 16)) - shift);
                d += FastExp.ExpOfNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 24)) - shift);
            }

            var (low, high) = Vector256.Widen((a + b) + (c + d));
            total += Vector256.Sum(low + high);
        }

        return total;
    }

    /// <summary>As <see cref="SumExpChunks256"/>, sixteen lanes at a time.</summary>
    private static double SumExpChunks512(ReadOnlySpan<float> logits, float max, ref int i)
    {
        ref float start = ref MemoryMarshal.GetReference(logits);
        var shift = Vector512.Create(max);
        double total = 0;
        for (; i + ChunkLength <= logits.Length; i += ChunkLength)
        {
            Vector512<float> a = default, b = default, c = default, d = default;
            for (int j = i; j < i + ChunkLength; j += 4 * Vector512<float>.Count)
            {
                a += FastExp.ExpOfNonPositive(Vector512.LoadUnsafe(ref start, (nuint)j) - shift);
                b += FastExp.ExpOfNonPositive(Vector512.LoadUnsafe(ref start, (nuint)(j + 16)) - shift);
                c += FastExp.ExpOfNonPositive(Vector512.LoadUnsafe(ref start, (nuint)(j + 32)) - shift);
                d += FastExp.ExpOfNonPositive(Vector512.LoadUnsafe(ref start, (nuint)(j + 48)) - shift);
            }

            var (low, high) = Vector512.Widen((a + b) + (c + d));
            total += Vector512.Sum(low + high);
        }

        return total;
    }

    /// <summary>
    /// The n largest logits as logprobs, most likely first; ties keep the lower id first. Once n are kept, eight logits
    /// at a time are compared with the least kept, and only those above it (or NaN) are looked at one by one, with the
    /// same rule as before: top-5 over 151936 logits took 115 us as a scalar scan of every one. A NaN kept, against
    /// which no comparison holds, sends the rest through the scalar scan, so the result is the scan's in every case.
    /// </summary>
    public static TokenLogprob[] Top(ReadOnlySpan<float> logits, int n, float logSumExp)
    {
        if (n <= 0)
        {
            return [];
        }

        var kept = new TopLogits(n);
        int i = 0;
        for (; i < logits.Length && kept.Count < n; i++)
        {
            kept.Offer(logits[i], i);
        }

        ref float start = ref MemoryMarshal.GetReference(logits);
        bool scalar = false;
        for (; i + Vector256<float>.Count <= logits.Length; i += Vector256<float>.Count)
        {
            uint above = ~Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref start, (nuint)i), Vector256.Create(kept.Least)).ExtractMostSignificantBits()
                & ((1u << Vector256<float>.Count) - 1);
            while (above != 0)
            {
                int lane = BitOperations.TrailingZeroCount(above);
                above &= above - 1;
                kept.Offer(logits[i + lane], i + lane);
                if (float.IsNaN(kept.Least))
                {
                    // Every later logit compares false against it: the scan takes them all, lanes of this vector included.
                    i += lane + 1;
                    scalar = true;
                    break;
                }
            }

            if (scalar)
            {
                break;
            }
        }

        for (; i < logits.Length; i++)
        {
            kept.Offer(logits[i], i);
        }

        return kept.ToLogprobs(logSumExp);
    }

    /// <summary>The n largest values offered so far with their ids, largest first, ties in the order offered.</summary>
    private sealed class TopLogits(int n)
    {
        private readonly int[] _ids = new int[n];
        private readonly float[] _values = new float[n];

        public int Count { get; private set; }

        /// <summary>The least value kept (once n are).</summary>
        public float Least => _values[n - 1];

        public void Offer(float value, int id)
        {
            if (Count == n && value <= _values[n - 1])
            {
                return;
            }

            int position = Count < n ? Count++ : n - 1;
            while (position > 0 && _values[position - 1] < value)
            {
                _values[position] = _values[position - 1];
                _ids[position] = _ids[position - 1];
                position--;
            }

            _values[position] = value;
            _ids[position] = id;
        }

        public TokenLogprob[] ToLogprobs(float logSumExp)
        {
            var result = new TokenLogprob[Count];
            for (int i = 0; i < Count; i++)
            {
                result[i] = new TokenLogprob(_ids[i], _values[i] - logSumExp);
            }

            return result;
        }
    }
}

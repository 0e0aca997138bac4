using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>Logprobs of one position's raw logits, for sampled tokens (<see cref="TokenSampler"/>) and prompt tokens
/// (<see cref="PromptLogprobCalculator"/>) alike.</summary>
public static class LogSoftmax
{
    /// <summary>Values whose exponentials are summed in fp32 lanes before the partial sum moves to fp64.</summary>
    private const int ChunkLength = 256;

    /// <summary>
    /// log(sum exp(l)) as max + log(sum exp(l - max)) in one pass after the max: the exponentials in fp32 registers
    /// (<see cref="ExpNonPositive"/>), summed in four 8-lane accumulators (8 terms per lane) over each chunk of
    /// <see cref="ChunkLength"/>, each chunk's sum added in fp64 (the vocabulary is 151936 terms; an fp32 sum of them
    /// all would lose digits). Nothing is written back: the earlier form (Subtract and Exp over a scratch row, then an
    /// fp64 sum) took 150-290 us on the 151936-entry vocabulary, on every sampled token.
    /// </summary>
    public static float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        if (!float.IsFinite(max))
        {
            // A NaN logit, or an infinite max (l - max is then NaN for it): NaN, as the direct formula gives.
            return float.NaN;
        }

        ref float start = ref MemoryMarshal.GetReference(logits);
        var shift = Vector256.Create(max);
        double total = 0;
        int i = 0;
        for (; i + ChunkLength <= logits.Length; i += ChunkLength)
        {
            Vector256<float> a = default, b = default, c = default, d = default;
            for (int j = i; j < i + ChunkLength; j += 4 * Vector256<float>.Count)
            {
                a += ExpNonPositive(Vector256.LoadUnsafe(ref start, (nuint)j) - shift);
                b += ExpNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 8)) - shift);
                c += ExpNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 16)) - shift);
                d += ExpNonPositive(Vector256.LoadUnsafe(ref start, (nuint)(j + 24)) - shift);
            }

            total += Sum((a + b) + (c + d));
        }

        for (; i < logits.Length; i++)
        {
            total += Math.Exp(logits[i] - max);
        }

        return max + (float)Math.Log(total);
    }

    /// <summary>
    /// exp(x) for x &lt;= 0 in fp32, within about 2 ulp (Cephes' expf: x = n ln 2 + r with |r| &lt;= ln 2 / 2, a degree-6
    /// polynomial for e^r, 2^n through the exponent bits). Below -87 it returns exp(-87) ~ 1.6e-38 instead of the
    /// subnormal or zero: next to the max's own term of 1 even 151936 of them do not change an fp32 sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500E-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073E-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894E-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459E-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201E-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256.Create(1f));
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }

    /// <summary>Eight fp32 lanes summed in fp64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sum(Vector256<float> v)
    {
        var (low, high) = Vector256.Widen(v);
        return Vector256.Sum(low + high);
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

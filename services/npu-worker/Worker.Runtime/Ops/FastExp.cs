using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// e^y in fp32 by Cephes' expf, for SwiGLU's sigmoid and attention's softmax: y clamped to [-87.3, 88] (below, e^y is
/// under 1.2e-38 and counts as that), y = n ln2 + r (n rounded to nearest, ln2 in two parts), e^r by a degree-5
/// polynomial in r (within an ulp or two of e^r on |r| &lt;= ln2/2), times 2^n built in the exponent bits (n converted
/// by the native instruction: after the clamp it lies in [-126, 127], so the saturating conversion's fix-ups, which
/// .NET 10 adds, would change nothing). The 512-bit and
/// 256-bit forms do the same operations in the same order, so a value is the same whichever width takes it, and a row's
/// last values go through the 256-bit form in a padded copy. Two widths, not one: for a decode token's 4864 SwiGLU
/// values the 512-bit form took 1.80 us against 2.70 (Zen 4, alternated in one process), and .NET 10 keeps the generic
/// vector interface that would let one body serve both (ISimdVector) internal.
/// The runtime's vector exp (which <c>TensorPrimitives.Exp</c> and <c>Sigmoid</c> use) widens to double precision: on
/// the Zen 4 a decode token's 4864 sigmoids took 11-13 us a layer that way (2.9 us this way), about 0.3 ms of a decode
/// step.
/// </summary>
internal static class FastExp
{
    /// <summary>The least exponent taken as it is: below it e^y counts as e^MinExponent, about 1.2e-38.</summary>
    internal const float MinExponent = -87.3f;
    private const float MaxExponent = 88.0f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    /// <summary>sigmoid(x) = 1 / (1 + e^-x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    /// <summary>sigmoid(x) = 1 / (1 + e^-x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>row[i] = e^(row[i] - max), in place; returns their sum (the softmax's numerator and denominator).</summary>
    public static float ExpShiftedSum(Span<float> row, float max)
    {
        int n = row.Length;
        ref float r = ref MemoryMarshal.GetReference(row);
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var m = Vector512.Create(max);
            var acc = Vector512<float>.Zero;
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var e = Exp(Vector512.LoadUnsafe(ref r, (nuint)i) - m);
                e.StoreUnsafe(ref r, (nuint)i);
                acc += e;
            }

            sum += Vector512.Sum(acc);
        }

        var m256 = Vector256.Create(max);
        var acc256 = Vector256<float>.Zero;
        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
        {
            var e = Exp(Vector256.LoadUnsafe(ref r, (nuint)i) - m256);
            e.StoreUnsafe(ref r, (nuint)i);
            acc256 += e;
        }

        sum += Vector256.Sum(acc256);
        if (i < n)
        {
            // The last values through the same vector form, in a padded copy; only the real lanes count.
            var rest = row[i..];
            Span<float> padded = stackalloc float[Vector256<float>.Count];
            rest.CopyTo(padded);
            Exp(Vector256.Create((ReadOnlySpan<float>)padded) - m256).CopyTo(padded);
            padded[..rest.Length].CopyTo(rest);
            foreach (float e in rest)
            {
                sum += e;
            }
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> y) =>
        ExpOfClamped(Vector512.Min(Vector512.Max(y, Vector512.Create(MinExponent)), Vector512.Create(MaxExponent)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> y) =>
        ExpOfClamped(Vector256.Min(Vector256.Max(y, Vector256.Create(MinExponent)), Vector256.Create(MaxExponent)));

    /// <summary>
    /// e^y for y &lt;= 0 (log-sum-exp's l - max), clamped only below: one operation fewer a vector, which the vocabulary's
    /// 151936 terms a sampled token feel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpOfNonPositive(Vector512<float> y) => ExpOfClamped(Vector512.Max(y, Vector512.Create(MinExponent)));

    /// <summary>As <see cref="ExpOfNonPositive(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ExpOfNonPositive(Vector256<float> y) => ExpOfClamped(Vector256.Max(y, Vector256.Create(MinExponent)));

    /// <summary>e^y for y already within [<see cref="MinExponent"/>, <see cref="MaxExponent"/>].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpOfClamped(Vector512<float> y)
    {
        var n = Vector512.Round(y * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), y);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
        return p * scale;
    }

    /// <summary>As <see cref="ExpOfClamped(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpOfClamped(Vector256<float> y)
    {
        var n = Vector256.Round(y * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2High), y);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return p * scale;
    }
}

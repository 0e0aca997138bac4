using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// Attention scores as a small GEMM over a tile of cached keys given by pointer (the block table decides where
/// each position lives): one query head (or two sharing each key load) against 8 keys at once, the 8 dot
/// products reduced together by a transpose-add tree.
/// </summary>
internal static unsafe class AttentionScores
{
    /// <summary>Keys scored together by <see cref="ScoreEight"/>.</summary>
    public const int ScoreTile = 8;

    /// <summary>dot(query, keys[p]) for p in 0..7, over d floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScoreEight(float* query, float** keys, int d)
    {
        float* k0 = keys[0], k1 = keys[1], k2 = keys[2], k3 = keys[3];
        float* k4 = keys[4], k5 = keys[5], k6 = keys[6], k7 = keys[7];
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> a4 = default, a5 = default, a6 = default, a7 = default;
        int i = 0;
        for (; i + 8 <= d; i += 8)
        {
            var q = Vector256.Load(query + i);
            a0 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k0 + i), a0);
            a1 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k1 + i), a1);
            a2 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k2 + i), a2);
            a3 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k3 + i), a3);
            a4 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k4 + i), a4);
            a5 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k5 + i), a5);
            a6 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k6 + i), a6);
            a7 = Vector256.FusedMultiplyAdd(q, Vector256.Load(k7 + i), a7);
        }

        var sums = SumEach(a0, a1, a2, a3, a4, a5, a6, a7);
        if (i < d)
        {
            sums += ScalarTail(query, keys, i, d);
        }

        return sums;
    }

    /// <summary>ScoreEight for two query heads sharing each key load: 16 accumulators (needs 32 vector registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScoreEightTwice(float* query0, float* query1, float** keys, int d, out Vector256<float> scores0, out Vector256<float> scores1)
    {
        float* k0 = keys[0], k1 = keys[1], k2 = keys[2], k3 = keys[3];
        float* k4 = keys[4], k5 = keys[5], k6 = keys[6], k7 = keys[7];
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> a4 = default, a5 = default, a6 = default, a7 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<float> b4 = default, b5 = default, b6 = default, b7 = default;
        int i = 0;
        for (; i + 8 <= d; i += 8)
        {
            var q = Vector256.Load(query0 + i);
            var r = Vector256.Load(query1 + i);
            var k = Vector256.Load(k0 + i);
            a0 = Vector256.FusedMultiplyAdd(q, k, a0);
            b0 = Vector256.FusedMultiplyAdd(r, k, b0);
            k = Vector256.Load(k1 + i);
            a1 = Vector256.FusedMultiplyAdd(q, k, a1);
            b1 = Vector256.FusedMultiplyAdd(r, k, b1);
            k = Vector256.Load(k2 + i);
            a2 = Vector256.FusedMultiplyAdd(q, k, a2);
            b2 = Vector256.FusedMultiplyAdd(r, k, b2);
            k = Vector256.Load(k3 + i);
            a3 = Vector256.FusedMultiplyAdd(q, k, a3);
            b3 = Vector256.FusedMultiplyAdd(r, k, b3);
            k = Vector256.Load(k4 + i);
            a4 = Vector256.FusedMultiplyAdd(q, k, a4);
            b4 = Vector256.FusedMultiplyAdd(r, k, b4);
            k = Vector256.Load(k5 + i);
            a5 = Vector256.FusedMultiplyAdd(q, k, a5);
            b5 = Vector256.FusedMultiplyAdd(r, k, b5);
            k = Vector256.Load(k6 + i);
            a6 = Vector256.FusedMultiplyAdd(q, k, a6);
            b6 = Vector256.FusedMultiplyAdd(r, k, b6);
            k = Vector256.Load(k7 + i);
            a7 = Vector256.FusedMultiplyAdd(q, k, a7);
            b7 = Vector256.FusedMultiplyAdd(r, k, b7);
        }

        scores0 = SumEach(a0, a1, a2, a3, a4, a5, a6, a7);
        scores1 = SumEach(b0, b1, b2, b3, b4, b5, b6, b7);
        if (i < d)
        {
            scores0 += ScalarTail(query0, keys, i, d);
            scores1 += ScalarTail(query1, keys, i, d);
        }
    }

    /// <summary>[sum(a0), ..., sum(a7)]: 8 horizontal sums for the price of about one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SumEach(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        if (Avx.IsSupported)
        {
            // hadd pairs within each 128-bit lane twice, leaving each vector's half-sums in its lane; then
            // adding the low lanes to the high lanes finishes all eight sums.
            var ab = Avx.HorizontalAdd(a0, a1);
            var cd = Avx.HorizontalAdd(a2, a3);
            var ef = Avx.HorizontalAdd(a4, a5);
            var gh = Avx.HorizontalAdd(a6, a7);
            var abcd = Avx.HorizontalAdd(ab, cd);
            var efgh = Avx.HorizontalAdd(ef, gh);
            return Avx.Permute2x128(abcd, efgh, 0x20) + Avx.Permute2x128(abcd, efgh, 0x31);
        }

        return Vector256.Create(
            Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3),
            Vector256.Sum(a4), Vector256.Sum(a5), Vector256.Sum(a6), Vector256.Sum(a7));
    }

    private static Vector256<float> ScalarTail(float* query, float** keys, int from, int d)
    {
        var tail = Vector256<float>.Zero;
        for (int p = 0; p < ScoreTile; p++)
        {
            float sum = 0;
            for (int i = from; i < d; i++)
            {
                sum += query[i] * keys[p][i];
            }

            tail = tail.WithElement(p, sum);
        }

        return tail;
    }

    /// <summary>dot(a, b) over n floats, for the positions left over after the 8-key tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n)
    {
        Vector256<float> s0 = default, s1 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), s1);
        }

        for (; i + 8 <= n; i += 8)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), s0);
        }

        float sum = Vector256.Sum(s0 + s1);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}

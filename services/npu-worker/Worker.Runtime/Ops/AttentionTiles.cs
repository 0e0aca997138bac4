using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// The two inner loops of paged attention as small GEMMs over a tile of cached positions whose rows are
/// given by pointer (the block table decides where each position lives):
/// scores of one query head against 8 keys at once, reduced together by a transpose-add tree, and
/// a probability-weighted sum of value rows kept in registers across the tile.
/// </summary>
internal static unsafe class AttentionTiles
{
    /// <summary>Keys scored together by <see cref="ScoreEight"/>.</summary>
    public const int ScoreTile = 8;

    /// <summary>Dimensions accumulated in registers by <see cref="AccumulateValues"/> (8 vectors of 8).</summary>
    private const int ValueChunk = 64;

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

    /// <summary>
    /// AccumulateValues for two query heads sharing each value load: while d allows, 64 floats of each output
    /// (16 registers); the rest through the one-head loop.
    /// </summary>
    public static void AccumulateValuesTwice(float* output0, float* output1, float* weights0, float* weights1, float** values, int count, int d)
    {
        int i = 0;
        for (; i + ValueChunk <= d; i += ValueChunk)
        {
            float* o = output0 + i;
            float* u = output1 + i;
            Vector256<float> y0 = Vector256.Load(o), y1 = Vector256.Load(o + 8), y2 = Vector256.Load(o + 16), y3 = Vector256.Load(o + 24);
            Vector256<float> y4 = Vector256.Load(o + 32), y5 = Vector256.Load(o + 40), y6 = Vector256.Load(o + 48), y7 = Vector256.Load(o + 56);
            Vector256<float> z0 = Vector256.Load(u), z1 = Vector256.Load(u + 8), z2 = Vector256.Load(u + 16), z3 = Vector256.Load(u + 24);
            Vector256<float> z4 = Vector256.Load(u + 32), z5 = Vector256.Load(u + 40), z6 = Vector256.Load(u + 48), z7 = Vector256.Load(u + 56);
            for (int p = 0; p < count; p++)
            {
                var w = Vector256.Create(weights0[p]);
                var x = Vector256.Create(weights1[p]);
                float* v = values[p] + i;
                var r = Vector256.Load(v);
                y0 = Vector256.FusedMultiplyAdd(r, w, y0);
                z0 = Vector256.FusedMultiplyAdd(r, x, z0);
                r = Vector256.Load(v + 8);
                y1 = Vector256.FusedMultiplyAdd(r, w, y1);
                z1 = Vector256.FusedMultiplyAdd(r, x, z1);
                r = Vector256.Load(v + 16);
                y2 = Vector256.FusedMultiplyAdd(r, w, y2);
                z2 = Vector256.FusedMultiplyAdd(r, x, z2);
                r = Vector256.Load(v + 24);
                y3 = Vector256.FusedMultiplyAdd(r, w, y3);
                z3 = Vector256.FusedMultiplyAdd(r, x, z3);
                r = Vector256.Load(v + 32);
                y4 = Vector256.FusedMultiplyAdd(r, w, y4);
                z4 = Vector256.FusedMultiplyAdd(r, x, z4);
                r = Vector256.Load(v + 40);
                y5 = Vector256.FusedMultiplyAdd(r, w, y5);
                z5 = Vector256.FusedMultiplyAdd(r, x, z5);
                r = Vector256.Load(v + 48);
                y6 = Vector256.FusedMultiplyAdd(r, w, y6);
                z6 = Vector256.FusedMultiplyAdd(r, x, z6);
                r = Vector256.Load(v + 56);
                y7 = Vector256.FusedMultiplyAdd(r, w, y7);
                z7 = Vector256.FusedMultiplyAdd(r, x, z7);
            }

            y0.Store(o);
            y1.Store(o + 8);
            y2.Store(o + 16);
            y3.Store(o + 24);
            y4.Store(o + 32);
            y5.Store(o + 40);
            y6.Store(o + 48);
            y7.Store(o + 56);
            z0.Store(u);
            z1.Store(u + 8);
            z2.Store(u + 16);
            z3.Store(u + 24);
            z4.Store(u + 32);
            z5.Store(u + 40);
            z6.Store(u + 48);
            z7.Store(u + 56);
        }

        if (i < d)
        {
            AccumulateValues(output0 + i, weights0, values, i, count, d - i);
            AccumulateValues(output1 + i, weights1, values, i, count, d - i);
        }
    }

    /// <summary>
    /// output[0..d) += sum over p &lt; count of weights[p] * values[p][0..d). Each 64-float chunk of the output
    /// stays in 8 registers across all positions, so the output is loaded and stored once per tile.
    /// </summary>
    public static void AccumulateValues(float* output, float* weights, float** values, int count, int d) =>
        AccumulateValues(output, weights, values, 0, count, d);

    /// <summary>The same over columns [column, column + d) of each value row, into output[0..d).</summary>
    private static void AccumulateValues(float* output, float* weights, float** values, int column, int count, int d)
    {
        int i = 0;
        for (; i + ValueChunk <= d; i += ValueChunk)
        {
            float* o = output + i;
            var y0 = Vector256.Load(o);
            var y1 = Vector256.Load(o + 8);
            var y2 = Vector256.Load(o + 16);
            var y3 = Vector256.Load(o + 24);
            var y4 = Vector256.Load(o + 32);
            var y5 = Vector256.Load(o + 40);
            var y6 = Vector256.Load(o + 48);
            var y7 = Vector256.Load(o + 56);
            for (int p = 0; p < count; p++)
            {
                var w = Vector256.Create(weights[p]);
                float* v = values[p] + column + i;
                y0 = Vector256.FusedMultiplyAdd(Vector256.Load(v), w, y0);
                y1 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 8), w, y1);
                y2 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 16), w, y2);
                y3 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 24), w, y3);
                y4 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 32), w, y4);
                y5 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 40), w, y5);
                y6 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 48), w, y6);
                y7 = Vector256.FusedMultiplyAdd(Vector256.Load(v + 56), w, y7);
            }

            y0.Store(o);
            y1.Store(o + 8);
            y2.Store(o + 16);
            y3.Store(o + 24);
            y4.Store(o + 32);
            y5.Store(o + 40);
            y6.Store(o + 48);
            y7.Store(o + 56);
        }

        for (; i + 8 <= d; i += 8)
        {
            var y = Vector256.Load(output + i);
            for (int p = 0; p < count; p++)
            {
                y = Vector256.FusedMultiplyAdd(Vector256.Load(values[p] + column + i), Vector256.Create(weights[p]), y);
            }

            y.Store(output + i);
        }

        for (; i < d; i++)
        {
            float y = output[i];
            for (int p = 0; p < count; p++)
            {
                y += weights[p] * values[p][column + i];
            }

            output[i] = y;
        }
    }
}

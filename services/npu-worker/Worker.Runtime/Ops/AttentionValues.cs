using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// The probability-weighted sum of a tile of value rows given by pointer, with each 64-float chunk of the output
/// held in registers across the tile: one load and store of the output per tile instead of per position.
/// </summary>
internal static unsafe class AttentionValues
{
    /// <summary>Dimensions accumulated in registers by <see cref="AccumulateValues"/> (8 vectors of 8).</summary>
    private const int ValueChunk = 64;

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
    /// Four query heads of one KV head at once on 512-bit vectors (the AVX-512 path; d a multiple of 64): each head's
    /// 64-float chunk of output stays in four registers, 16 in all, so every value row is loaded once for four heads.
    /// Per output element the same FMAs in the same order as <see cref="AccumulateValues(float*, float*, float**, int, int)"/>.
    /// </summary>
    public static void AccumulateValuesFour(float** outputs, float** weights, float** values, int count, int d)
    {
        float* w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3];
        for (int i = 0; i < d; i += ValueChunk)
        {
            float* o0 = outputs[0] + i, o1 = outputs[1] + i, o2 = outputs[2] + i, o3 = outputs[3] + i;
            Vector512<float> a0 = Vector512.Load(o0), a1 = Vector512.Load(o0 + 16), a2 = Vector512.Load(o0 + 32), a3 = Vector512.Load(o0 + 48);
            Vector512<float> b0 = Vector512.Load(o1), b1 = Vector512.Load(o1 + 16), b2 = Vector512.Load(o1 + 32), b3 = Vector512.Load(o1 + 48);
            Vector512<float> c0 = Vector512.Load(o2), c1 = Vector512.Load(o2 + 16), c2 = Vector512.Load(o2 + 32), c3 = Vector512.Load(o2 + 48);
            Vector512<float> e0 = Vector512.Load(o3), e1 = Vector512.Load(o3 + 16), e2 = Vector512.Load(o3 + 32), e3 = Vector512.Load(o3 + 48);
            for (int p = 0; p < count; p++)
            {
                float* v = values[p] + i;
                var v0 = Vector512.Load(v);
                var v1 = Vector512.Load(v + 16);
                var v2 = Vector512.Load(v + 32);
                var v3 = Vector512.Load(v + 48);
                var x = Vector512.Create(w0[p]);
                a0 = Vector512.FusedMultiplyAdd(v0, x, a0);
                a1 = Vector512.FusedMultiplyAdd(v1, x, a1);
                a2 = Vector512.FusedMultiplyAdd(v2, x, a2);
                a3 = Vector512.FusedMultiplyAdd(v3, x, a3);
                x = Vector512.Create(w1[p]);
                b0 = Vector512.FusedMultiplyAdd(v0, x, b0);
                b1 = Vector512.FusedMultiplyAdd(v1, x, b1);
                b2 = Vector512.FusedMultiplyAdd(v2, x, b2);
                b3 = Vector512.FusedMultiplyAdd(v3, x, b3);
                x = Vector512.Create(w2[p]);
                c0 = Vector512.FusedMultiplyAdd(v0, x, c0);
                c1 = Vector512.FusedMultiplyAdd(v1, x, c1);
                c2 = Vector512.FusedMultiplyAdd(v2, x, c2);
                c3 = Vector512.FusedMultiplyAdd(v3, x, c3);
                x = Vector512.Create(w3[p]);
                e0 = Vector512.FusedMultiplyAdd(v0, x, e0);
                e1 = Vector512.FusedMultiplyAdd(v1, x, e1);
                e2 = Vector512.FusedMultiplyAdd(v2, x, e2);
                e3 = Vector512.FusedMultiplyAdd(v3, x, e3);
            }

            a0.Store(o0);
            a1.Store(o0 + 16);
            a2.Store(o0 + 32);
            a3.Store(o0 + 48);
            b0.Store(o1);
            b1.Store(o1 + 16);
            b2.Store(o1 + 32);
            b3.Store(o1 + 48);
            c0.Store(o2);
            c1.Store(o2 + 16);
            c2.Store(o2 + 32);
            c3.Store(o2 + 48);
            e0.Store(o3);
            e1.Store(o3 + 16);
            e2.Store(o3 + 32);
            e3.Store(o3 + 48);
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

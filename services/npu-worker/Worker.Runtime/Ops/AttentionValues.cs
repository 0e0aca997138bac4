using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// The probability-weighted sum of a tile of value rows given by pointer, with each 64-float chunk of the output
/// held in registers across the tile: one load and store of the output per tile instead of per position. Compiled per
/// element type of the cache (<see cref="IKvElements"/>): the rows are read as fp32 either way.
/// <para>
/// Each sum takes the next tile's rows (<see cref="RowsAhead"/>) and prefetches row p of them as it reaches row p of its
/// own, so the next tile's lines arrive while this one computes. Fetched all at once before the tile (64 rows, 256 lines
/// of fp32 values on the 0.5B sizes), they filled the core's queue of misses and stalled it until most had arrived:
/// decode attention at context 4000, 24 layers in turn (KV from memory, blocks shuffled, 2 threads, Zen 5), keys still
/// prefetched a block at a time: fp32 178-208 -> 159-177 us a layer, bfloat16 116-132 -> 112-125.
/// </para>
/// </summary>
internal static unsafe class AttentionValues
{
    /// <summary>The next tile's value rows, to be prefetched by the first sum over this tile; Count 0 for none.</summary>
    public readonly struct RowsAhead(byte** rows, int count, int rowBytes)
    {
        public static RowsAhead None => default;

        public int Count => count;

        /// <summary>Reads row p into L1 if there is one.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int p)
        {
            if (p < count && Sse.IsSupported)
            {
                for (int b = 0; b < rowBytes; b += CacheLine.Bytes)
                {
                    Sse.Prefetch0(rows[p] + b);
                }
            }
        }

        /// <summary>Reads every row into L1 (for sums too narrow to take them row by row).</summary>
        public void PrefetchAll()
        {
            for (int p = 0; p < count; p++)
            {
                Prefetch(p);
            }
        }
    }

    /// <summary>Dimensions accumulated in registers by <see cref="AccumulateValues"/> (8 vectors of 8).</summary>
    private const int ValueChunk = 64;

    /// <summary>
    /// AccumulateValues for two query heads sharing each value load: while d allows, 64 floats of each output
    /// (16 registers); the rest through the one-head loop.
    /// </summary>
    public static void AccumulateValuesTwice<TKv>(float* output0, float* output1, float* weights0, float* weights1, byte** values, int count, int d,
        RowsAhead ahead)
        where TKv : struct, IKvElements
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
                ahead.Prefetch(p);
                var w = Vector256.Create(weights0[p]);
                var x = Vector256.Create(weights1[p]);
                byte* v = values[p];
                var r = TKv.Load256(v, i);
                y0 = Vector256.FusedMultiplyAdd(r, w, y0);
                z0 = Vector256.FusedMultiplyAdd(r, x, z0);
                r = TKv.Load256(v, i + 8);
                y1 = Vector256.FusedMultiplyAdd(r, w, y1);
                z1 = Vector256.FusedMultiplyAdd(r, x, z1);
                r = TKv.Load256(v, i + 16);
                y2 = Vector256.FusedMultiplyAdd(r, w, y2);
                z2 = Vector256.FusedMultiplyAdd(r, x, z2);
                r = TKv.Load256(v, i + 24);
                y3 = Vector256.FusedMultiplyAdd(r, w, y3);
                z3 = Vector256.FusedMultiplyAdd(r, x, z3);
                r = TKv.Load256(v, i + 32);
                y4 = Vector256.FusedMultiplyAdd(r, w, y4);
                z4 = Vector256.FusedMultiplyAdd(r, x, z4);
                r = TKv.Load256(v, i + 40);
                y5 = Vector256.FusedMultiplyAdd(r, w, y5);
                z5 = Vector256.FusedMultiplyAdd(r, x, z5);
                r = TKv.Load256(v, i + 48);
                y6 = Vector256.FusedMultiplyAdd(r, w, y6);
                z6 = Vector256.FusedMultiplyAdd(r, x, z6);
                r = TKv.Load256(v, i + 56);
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
            ahead = RowsAhead.None;
        }

        if (i < d)
        {
            AccumulateValues<TKv>(output0 + i, weights0, values, i, count, d - i, ahead);
            AccumulateValues<TKv>(output1 + i, weights1, values, i, count, d - i, RowsAhead.None);
        }
    }

    /// <summary>
    /// Four query heads of one KV head at once on 512-bit vectors (the AVX-512 path; d a multiple of 64): each head's
    /// 64-float chunk of output stays in four registers, 16 in all, so every value row is loaded once for four heads.
    /// Per output element the same FMAs in the same order as <see cref="AccumulateValues{TKv}(float*, float*, byte**, int, int, RowsAhead)"/>.
    /// </summary>
    public static void AccumulateValuesFour<TKv>(float** outputs, float** weights, byte** values, int count, int d, RowsAhead ahead)
        where TKv : struct, IKvElements
    {
        float* w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3];
        for (int i = 0; i < d; i += ValueChunk)
        {
            var h0 = OutputChunk.Load(outputs[0] + i);
            var h1 = OutputChunk.Load(outputs[1] + i);
            var h2 = OutputChunk.Load(outputs[2] + i);
            var h3 = OutputChunk.Load(outputs[3] + i);
            for (int p = 0; p < count; p++)
            {
                ahead.Prefetch(p);
                var row = OutputChunk.LoadRow<TKv>(values[p], i);
                h0.Add(row, w0[p]);
                h1.Add(row, w1[p]);
                h2.Add(row, w2[p]);
                h3.Add(row, w3[p]);
            }

            h0.Store(outputs[0] + i);
            h1.Store(outputs[1] + i);
            h2.Store(outputs[2] + i);
            h3.Store(outputs[3] + i);
            ahead = RowsAhead.None;
        }
    }

    /// <summary>
    /// 64 floats as four 512-bit registers: one head's chunk of output, or one value row's chunk. A struct of four
    /// vectors the JIT promotes to registers, so the four heads' accumulators stay register-resident as when unrolled
    /// by hand (no stack traffic in the loop; seven heads x 192 keys in L1 measured the same, 0.55-0.59 of the 256-bit
    /// passes' time both ways).
    /// </summary>
    private struct OutputChunk
    {
        private Vector512<float> _a;
        private Vector512<float> _b;
        private Vector512<float> _c;
        private Vector512<float> _d;

        /// <summary>Elements index..index + 63 of a value row, as fp32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static OutputChunk LoadRow<TKv>(byte* row, long index)
            where TKv : struct, IKvElements => new()
        {
            _a = TKv.Load512(row, index),
            _b = TKv.Load512(row, index + 16),
            _c = TKv.Load512(row, index + 32),
            _d = TKv.Load512(row, index + 48),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static OutputChunk Load(float* source) => new()
        {
            _a = Vector512.Load(source),
            _b = Vector512.Load(source + 16),
            _c = Vector512.Load(source + 32),
            _d = Vector512.Load(source + 48),
        };

        /// <summary>this += row * weight, one FMA per register.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(in OutputChunk row, float weight)
        {
            var x = Vector512.Create(weight);
            _a = Vector512.FusedMultiplyAdd(row._a, x, _a);
            _b = Vector512.FusedMultiplyAdd(row._b, x, _b);
            _c = Vector512.FusedMultiplyAdd(row._c, x, _c);
            _d = Vector512.FusedMultiplyAdd(row._d, x, _d);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* destination)
        {
            _a.Store(destination);
            _b.Store(destination + 16);
            _c.Store(destination + 32);
            _d.Store(destination + 48);
        }
    }

    /// <summary>
    /// output[0..d) += sum over p &lt; count of weights[p] * values[p][0..d). Each 64-float chunk of the output
    /// stays in 8 registers across all positions, so the output is loaded and stored once per tile.
    /// </summary>
    public static void AccumulateValues<TKv>(float* output, float* weights, byte** values, int count, int d, RowsAhead ahead)
        where TKv : struct, IKvElements =>
        AccumulateValues<TKv>(output, weights, values, 0, count, d, ahead);

    /// <summary>The same over columns [column, column + d) of each value row, into output[0..d).</summary>
    private static void AccumulateValues<TKv>(float* output, float* weights, byte** values, int column, int count, int d, RowsAhead ahead)
        where TKv : struct, IKvElements
    {
        if (d < ValueChunk)
        {
            // No 64-float chunk to spread them over.
            ahead.PrefetchAll();
            ahead = RowsAhead.None;
        }

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
                ahead.Prefetch(p);
                var w = Vector256.Create(weights[p]);
                byte* v = values[p];
                long c = column + i;
                y0 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c), w, y0);
                y1 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 8), w, y1);
                y2 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 16), w, y2);
                y3 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 24), w, y3);
                y4 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 32), w, y4);
                y5 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 40), w, y5);
                y6 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 48), w, y6);
                y7 = Vector256.FusedMultiplyAdd(TKv.Load256(v, c + 56), w, y7);
            }

            y0.Store(o);
            y1.Store(o + 8);
            y2.Store(o + 16);
            y3.Store(o + 24);
            y4.Store(o + 32);
            y5.Store(o + 40);
            y6.Store(o + 48);
            y7.Store(o + 56);
            ahead = RowsAhead.None;
        }

        for (; i + 8 <= d; i += 8)
        {
            var y = Vector256.Load(output + i);
            for (int p = 0; p < count; p++)
            {
                y = Vector256.FusedMultiplyAdd(TKv.Load256(values[p], column + i), Vector256.Create(weights[p]), y);
            }

            y.Store(output + i);
        }

        for (; i < d; i++)
        {
            float y = output[i];
            for (int p = 0; p < count; p++)
            {
                y += weights[p] * TKv.Load(values[p], column + i);
            }

            output[i] = y;
        }
    }
}

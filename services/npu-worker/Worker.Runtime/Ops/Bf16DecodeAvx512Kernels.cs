using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matrix-vector products for decode (one or two tokens) on 512-bit vectors. A step loads 32 weights of a row as
/// sixteen 32-bit lanes and splits them with one shift and one mask (see <see cref="Bf16PairOrder"/>; the activations
/// come in pair order), so 64 bytes of weights cost one load, two bit operations and two FMAs per token. One row at a
/// time: the weights are read as one sequential stream, which the hardware prefetcher follows at memory speed.
/// Measured on Zen 4 (one thread, bytes per CPU-second, the 256-bit version of these kernels): interleaving four
/// rows, as a register tile would, fell from 22 to 9.5 GB/s on rows of 1792 bytes and from 14.4 to 12.7 on rows of
/// 9728 bytes, and software prefetch lowered both; the activations are re-read from L1 instead. Those four rows were
/// neighbours; four rows from the four quarters of a chunk (<see cref="Row4x1"/>) are four streams the prefetcher
/// follows, and they win once rows are too long for the activations to stay in L1.
/// </summary>
internal static unsafe class Bf16DecodeAvx512Kernels
{
    /// <summary>Values per step (two vectors); the pair-order block width.</summary>
    public const int Width = 32;

    /// <summary>
    /// How far ahead <see cref="Row4x1"/> prefetches each of its four rows: 1536 bytes. The 0.5B decode step's matmuls,
    /// variants alternated step by step in one process (Zen 5, two threads, guided decode chunks, half of the rows
    /// first): 1024 bytes took a median 10% less time than 256 in 2 of 2 runs, and 1536 bytes the same as 1024 (on the
    /// AVX2 row kernels, since replaced by panels, 1536 bytes 10% less than 256 in 2 of 2). 512 bytes was slower than
    /// 256, 4096 slower again. (With the four times more, shorter chunks used before, 1024 bytes had been slower than
    /// none: a far prefetch overshoots the end of every stream.)
    /// </summary>
    internal const int Row4PrefetchValues = 768;

    /// <summary>dot(row w, x) over k values; xp is x in pair order.</summary>
    public static float Row1x1(ushort* w, int k, float* xp)
    {
        Vector512<float> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 2 * Width <= k; i += 2 * Width)
        {
            var v = Vector512.Load((uint*)(w + i));
            a = Vector512.FusedMultiplyAdd(Even(v), Vector512.Load(xp + i), a);
            b = Vector512.FusedMultiplyAdd(Odd(v), Vector512.Load(xp + i + 16), b);
            v = Vector512.Load((uint*)(w + i + Width));
            c = Vector512.FusedMultiplyAdd(Even(v), Vector512.Load(xp + i + Width), c);
            d = Vector512.FusedMultiplyAdd(Odd(v), Vector512.Load(xp + i + Width + 16), d);
        }

        if (i + Width <= k)
        {
            var v = Vector512.Load((uint*)(w + i));
            a = Vector512.FusedMultiplyAdd(Even(v), Vector512.Load(xp + i), a);
            b = Vector512.FusedMultiplyAdd(Odd(v), Vector512.Load(xp + i + 16), b);
            i += Width;
        }

        return Vector512.Sum((a + b) + (c + d)) + Tail(w, i, k, xp);
    }

    /// <summary>dot(row w, x0) and dot(row w, x1) into y[0] and y[yStride]: each weight vector feeds both tokens.</summary>
    public static void Row1x2(ushort* w, int k, float* xp0, float* xp1, float* y, int yStride)
    {
        Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            var v = Vector512.Load((uint*)(w + i));
            var e = Even(v);
            var o = Odd(v);
            a0 = Vector512.FusedMultiplyAdd(e, Vector512.Load(xp0 + i), a0);
            b0 = Vector512.FusedMultiplyAdd(o, Vector512.Load(xp0 + i + 16), b0);
            a1 = Vector512.FusedMultiplyAdd(e, Vector512.Load(xp1 + i), a1);
            b1 = Vector512.FusedMultiplyAdd(o, Vector512.Load(xp1 + i + 16), b1);
        }

        y[0] = Vector512.Sum(a0 + b0) + Tail(w, i, k, xp0);
        y[yStride] = Vector512.Sum(a1 + b1) + Tail(w, i, k, xp1);
    }

    /// <summary>
    /// dot(row r, x) for the four rows w + r * rowStride (r = 0..3) into y[r * yStride]: four weight streams, far apart,
    /// read side by side, and each activation load feeds all four (see <see cref="CpuMatMulKernel"/>'s long-row decode).
    /// </summary>
    public static void Row4x1(ushort* w, long rowStride, int k, float* xp, float* y, int yStride)
    {
        ushort* w1 = w + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            CacheLine.PrefetchFour(w + i, w1 + i, w2 + i, w3 + i, Row4PrefetchValues * sizeof(ushort));

            var x0 = Vector512.Load(xp + i);
            var x1 = Vector512.Load(xp + i + 16);
            var v = Vector512.Load((uint*)(w + i));
            e0 = Vector512.FusedMultiplyAdd(Even(v), x0, e0);
            o0 = Vector512.FusedMultiplyAdd(Odd(v), x1, o0);
            v = Vector512.Load((uint*)(w1 + i));
            e1 = Vector512.FusedMultiplyAdd(Even(v), x0, e1);
            o1 = Vector512.FusedMultiplyAdd(Odd(v), x1, o1);
            v = Vector512.Load((uint*)(w2 + i));
            e2 = Vector512.FusedMultiplyAdd(Even(v), x0, e2);
            o2 = Vector512.FusedMultiplyAdd(Odd(v), x1, o2);
            v = Vector512.Load((uint*)(w3 + i));
            e3 = Vector512.FusedMultiplyAdd(Even(v), x0, e3);
            o3 = Vector512.FusedMultiplyAdd(Odd(v), x1, o3);
        }

        y[0] = Vector512.Sum(e0 + o0) + Tail(w, i, k, xp);
        y[yStride] = Vector512.Sum(e1 + o1) + Tail(w1, i, k, xp);
        y[2 * yStride] = Vector512.Sum(e2 + o2) + Tail(w2, i, k, xp);
        y[3 * yStride] = Vector512.Sum(e3 + o3) + Tail(w3, i, k, xp);
    }

    /// <summary>
    /// dot(row r, x0) and dot(row r, x1) for the four rows w + r * rowStride (r = 0..3) into y[r * yStride] and
    /// y[yTokenStride + r * yStride]: <see cref="Row4x1"/>'s four prefetched streams, each weight vector feeding both tokens.
    /// Even and odd halves share a row's accumulator per token (8 accumulators, two FMAs each a step): one row at a time
    /// (<see cref="Row1x2"/>), two tokens took 1.5-1.8x the one-token step (0.5B, Zen 4, 46-52 against 28-32 ms).
    /// </summary>
    public static void Row4x2(ushort* w, long rowStride, int k, float* xp0, float* xp1, float* y, int yStride, int yTokenStride)
    {
        ushort* w1 = w + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            CacheLine.PrefetchFour(w + i, w1 + i, w2 + i, w3 + i, Row4PrefetchValues * sizeof(ushort));

            var xe0 = Vector512.Load(xp0 + i);
            var xo0 = Vector512.Load(xp0 + i + 16);
            var xe1 = Vector512.Load(xp1 + i);
            var xo1 = Vector512.Load(xp1 + i + 16);
            var v = Vector512.Load((uint*)(w + i));
            var e = Even(v);
            var o = Odd(v);
            a0 = Vector512.FusedMultiplyAdd(o, xo0, Vector512.FusedMultiplyAdd(e, xe0, a0));
            b0 = Vector512.FusedMultiplyAdd(o, xo1, Vector512.FusedMultiplyAdd(e, xe1, b0));
            v = Vector512.Load((uint*)(w1 + i));
            e = Even(v);
            o = Odd(v);
            a1 = Vector512.FusedMultiplyAdd(o, xo0, Vector512.FusedMultiplyAdd(e, xe0, a1));
            b1 = Vector512.FusedMultiplyAdd(o, xo1, Vector512.FusedMultiplyAdd(e, xe1, b1));
            v = Vector512.Load((uint*)(w2 + i));
            e = Even(v);
            o = Odd(v);
            a2 = Vector512.FusedMultiplyAdd(o, xo0, Vector512.FusedMultiplyAdd(e, xe0, a2));
            b2 = Vector512.FusedMultiplyAdd(o, xo1, Vector512.FusedMultiplyAdd(e, xe1, b2));
            v = Vector512.Load((uint*)(w3 + i));
            e = Even(v);
            o = Odd(v);
            a3 = Vector512.FusedMultiplyAdd(o, xo0, Vector512.FusedMultiplyAdd(e, xe0, a3));
            b3 = Vector512.FusedMultiplyAdd(o, xo1, Vector512.FusedMultiplyAdd(e, xe1, b3));
        }

        y[0] = Vector512.Sum(a0) + Tail(w, i, k, xp0);
        y[yStride] = Vector512.Sum(a1) + Tail(w1, i, k, xp0);
        y[2 * yStride] = Vector512.Sum(a2) + Tail(w2, i, k, xp0);
        y[3 * yStride] = Vector512.Sum(a3) + Tail(w3, i, k, xp0);
        y[yTokenStride] = Vector512.Sum(b0) + Tail(w, i, k, xp1);
        y[yTokenStride + yStride] = Vector512.Sum(b1) + Tail(w1, i, k, xp1);
        y[yTokenStride + 2 * yStride] = Vector512.Sum(b2) + Tail(w2, i, k, xp1);
        y[yTokenStride + 3 * yStride] = Vector512.Sum(b3) + Tail(w3, i, k, xp1);
    }

    /// <summary>The even elements of sixteen BF16 pairs as fp32 (low halves moved up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Even(Vector512<uint> pairs) => Vector512.ShiftLeft(pairs, 16).AsSingle();

    /// <summary>The odd elements of sixteen BF16 pairs as fp32 (high halves, low bits cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Odd(Vector512<uint> pairs) => (pairs & Vector512.Create(0xFFFF0000u)).AsSingle();

    /// <summary>The values after the last whole step, in natural order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Tail(ushort* w, int from, int k, float* xp)
    {
        float sum = 0;
        for (int i = from; i < k; i++)
        {
            sum += xp[i] * BitConverter.UInt32BitsToSingle((uint)w[i] << 16);
        }

        return sum;
    }
}

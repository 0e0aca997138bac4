using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matrix-vector products for decode (one or two tokens) on 256-bit vectors. A step loads 16 weights of a row as
/// eight 32-bit lanes and splits them with one shift and one mask (see <see cref="Bf16PairOrder"/>; the activations
/// come in pair order), so 32 bytes of weights cost one load, two bit operations and two FMAs per token. One row at a
/// time, two steps per iteration into four accumulators: the weights are read as one sequential stream, which the
/// hardware prefetcher follows at memory speed. Measured on Zen 4 (one thread, bytes per CPU-second): interleaving four
/// rows, as a register tile would, fell from 22 to 9.5 GB/s on rows of 1792 bytes and from 14.4 to 12.7 on rows of
/// 9728 bytes, and software prefetch lowered both; the activations are re-read from L1 instead. Those four rows were
/// neighbours; four rows from the four quarters of a chunk (<see cref="Row4x1"/>) are four streams the prefetcher
/// follows, and they win once rows are too long for the activations to stay in L1.
/// </summary>
internal static unsafe class Bf16DecodeAvx2Kernels
{
    /// <summary>Values per step (two vectors); the pair-order block width.</summary>
    public const int Width = 16;

    /// <summary>
    /// How far ahead <see cref="Row4x1"/> (and the AVX-512 one) prefetches each of its four rows: 1536 bytes. The 0.5B
    /// decode step's matmuls, variants alternated step by step in one process (Zen 5, two threads, guided decode
    /// chunks, half of the rows first): 1024 bytes took a median 10% less time than 256 in 2 of 2
    /// runs on the AVX-512 path, and 1536 bytes the same as 1024; 1536 bytes 10% less than 256 in 2 of 2 on the AVX2
    /// path. 512 bytes was slower than 256, 4096 slower again. (With the four times more, shorter chunks used before,
    /// 1024 bytes had been slower than none: a far prefetch overshoots the end of every stream.)
    /// </summary>
    internal const int Row4PrefetchValues = 768;

    /// <summary>dot(row w, x) over k values; xp is x in pair order.</summary>
    public static float Row1x1(ushort* w, int k, float* xp)
    {
        Vector256<float> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 2 * Width <= k; i += 2 * Width)
        {
            var v = Vector256.Load((uint*)(w + i));
            a = Vector256.FusedMultiplyAdd(Even(v), Vector256.Load(xp + i), a);
            b = Vector256.FusedMultiplyAdd(Odd(v), Vector256.Load(xp + i + 8), b);
            v = Vector256.Load((uint*)(w + i + Width));
            c = Vector256.FusedMultiplyAdd(Even(v), Vector256.Load(xp + i + Width), c);
            d = Vector256.FusedMultiplyAdd(Odd(v), Vector256.Load(xp + i + Width + 8), d);
        }

        if (i + Width <= k)
        {
            var v = Vector256.Load((uint*)(w + i));
            a = Vector256.FusedMultiplyAdd(Even(v), Vector256.Load(xp + i), a);
            b = Vector256.FusedMultiplyAdd(Odd(v), Vector256.Load(xp + i + 8), b);
            i += Width;
        }

        return Vector256.Sum((a + b) + (c + d)) + Tail(w, i, k, xp);
    }

    /// <summary>dot(row w, x0) and dot(row w, x1) into y[0] and y[yStride]: each weight vector feeds both tokens.</summary>
    public static void Row1x2(ushort* w, int k, float* xp0, float* xp1, float* y, int yStride)
    {
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            var v = Vector256.Load((uint*)(w + i));
            var e = Even(v);
            var o = Odd(v);
            a0 = Vector256.FusedMultiplyAdd(e, Vector256.Load(xp0 + i), a0);
            b0 = Vector256.FusedMultiplyAdd(o, Vector256.Load(xp0 + i + 8), b0);
            a1 = Vector256.FusedMultiplyAdd(e, Vector256.Load(xp1 + i), a1);
            b1 = Vector256.FusedMultiplyAdd(o, Vector256.Load(xp1 + i + 8), b1);
        }

        y[0] = Vector256.Sum(a0 + b0) + Tail(w, i, k, xp0);
        y[yStride] = Vector256.Sum(a1 + b1) + Tail(w, i, k, xp1);
    }

    /// <summary>
    /// dot(row r, x) for the four rows w + r * rowStride (r = 0..3) into y[r * yStride]: four weight streams, far apart,
    /// read side by side, and each activation load feeds all four (see <see cref="CpuMatMulKernel"/>'s long-row decode).
    /// </summary>
    public static void Row4x1(ushort* w, long rowStride, int k, float* xp, float* y, int yStride)
    {
        ushort* w1 = w + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
        Vector256<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            if ((i & 31) == 0)
            {
                // Once per 64-byte line of each row.
                Sse.Prefetch0(w + i + Row4PrefetchValues);
                Sse.Prefetch0(w1 + i + Row4PrefetchValues);
                Sse.Prefetch0(w2 + i + Row4PrefetchValues);
                Sse.Prefetch0(w3 + i + Row4PrefetchValues);
            }

            var x0 = Vector256.Load(xp + i);
            var x1 = Vector256.Load(xp + i + 8);
            var v = Vector256.Load((uint*)(w + i));
            e0 = Vector256.FusedMultiplyAdd(Even(v), x0, e0);
            o0 = Vector256.FusedMultiplyAdd(Odd(v), x1, o0);
            v = Vector256.Load((uint*)(w1 + i));
            e1 = Vector256.FusedMultiplyAdd(Even(v), x0, e1);
            o1 = Vector256.FusedMultiplyAdd(Odd(v), x1, o1);
            v = Vector256.Load((uint*)(w2 + i));
            e2 = Vector256.FusedMultiplyAdd(Even(v), x0, e2);
            o2 = Vector256.FusedMultiplyAdd(Odd(v), x1, o2);
            v = Vector256.Load((uint*)(w3 + i));
            e3 = Vector256.FusedMultiplyAdd(Even(v), x0, e3);
            o3 = Vector256.FusedMultiplyAdd(Odd(v), x1, o3);
        }

        y[0] = Vector256.Sum(e0 + o0) + Tail(w, i, k, xp);
        y[yStride] = Vector256.Sum(e1 + o1) + Tail(w1, i, k, xp);
        y[2 * yStride] = Vector256.Sum(e2 + o2) + Tail(w2, i, k, xp);
        y[3 * yStride] = Vector256.Sum(e3 + o3) + Tail(w3, i, k, xp);
    }

    /// <summary>The even elements of eight BF16 pairs as fp32 (low halves moved up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even(Vector256<uint> pairs) => Vector256.ShiftLeft(pairs, 16).AsSingle();

    /// <summary>The odd elements of eight BF16 pairs as fp32 (high halves, low bits cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odd(Vector256<uint> pairs) => (pairs & Vector256.Create(0xFFFF0000u)).AsSingle();

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

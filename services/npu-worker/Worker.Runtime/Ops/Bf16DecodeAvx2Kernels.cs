using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matrix-vector products for decode (one or two tokens) on 256-bit vectors. A step loads 16 weights of a row as
/// eight 32-bit lanes and splits them with one shift and one mask (see <see cref="Bf16PairOrder"/>; the activations
/// come in pair order), so 32 bytes of weights cost one load, two bit operations and two FMAs per token. One row at a
/// time, two steps per iteration into four accumulators: the weights are read as one sequential stream, which the
/// hardware prefetcher follows at memory speed (measured: interleaving 2 or 4 rows of 1792 bytes, as a register tile
/// would, halves the rate; the activations are re-read from L1 instead).
/// </summary>
internal static unsafe class Bf16DecodeAvx2Kernels
{
    /// <summary>Values per step (two vectors); the pair-order block width.</summary>
    public const int Width = 16;

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

    /// <summary>Four rows (k apart) x one token, y[0..4): for long rows, where four streams of several KiB each keep the
    /// prefetcher busy and the shared activation loads matter (the activations no longer fit in L1 beside the stream).</summary>
    public static void Rows4x1(ushort* w0, int k, float* xp, float* y)
    {
        ushort* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            var xe = Vector256.Load(xp + i);
            var xo = Vector256.Load(xp + i + 8);
            var v = Vector256.Load((uint*)(w0 + i));
            a0 = Vector256.FusedMultiplyAdd(Even(v), xe, a0);
            b0 = Vector256.FusedMultiplyAdd(Odd(v), xo, b0);
            v = Vector256.Load((uint*)(w1 + i));
            a1 = Vector256.FusedMultiplyAdd(Even(v), xe, a1);
            b1 = Vector256.FusedMultiplyAdd(Odd(v), xo, b1);
            v = Vector256.Load((uint*)(w2 + i));
            a2 = Vector256.FusedMultiplyAdd(Even(v), xe, a2);
            b2 = Vector256.FusedMultiplyAdd(Odd(v), xo, b2);
            v = Vector256.Load((uint*)(w3 + i));
            a3 = Vector256.FusedMultiplyAdd(Even(v), xe, a3);
            b3 = Vector256.FusedMultiplyAdd(Odd(v), xo, b3);
        }

        y[0] = Vector256.Sum(a0 + b0) + Tail(w0, i, k, xp);
        y[1] = Vector256.Sum(a1 + b1) + Tail(w1, i, k, xp);
        y[2] = Vector256.Sum(a2 + b2) + Tail(w2, i, k, xp);
        y[3] = Vector256.Sum(a3 + b3) + Tail(w3, i, k, xp);
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

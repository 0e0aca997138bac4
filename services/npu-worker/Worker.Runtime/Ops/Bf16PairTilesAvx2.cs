using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 register tiles for three or more tokens on 256-bit vectors (the AVX2 path), with no widened panel: a step
/// loads 16 BF16 weights of a row as eight 32-bit lanes, splits them with one shift and one mask against activations
/// in pair order (<see cref="Bf16PairOrder"/>, 16-value blocks), and feeds each split vector to both tokens of a
/// 4-row x 2-token tile: 8 accumulators, the two tokens' 4 activation vectors, one weight vector and the mask fill
/// 15 of the 16 registers, and per step 4 weight loads and 4 activation loads feed 16 FMAs.
/// </summary>
internal readonly unsafe struct Bf16PairTilesAvx2 : IBf16PairTiles
{
    /// <summary>Values per step; the pair-order block width.</summary>
    public const int Width = 16;

    /// <summary>Rows of a full tile.</summary>
    public const int Rows = 4;

    /// <summary>Tokens of a full tile.</summary>
    public const int Tokens = 2;

    /// <summary>
    /// y[t, r] = dot(W row r, x token t) for TRows rows x TTokens tokens (TTokens at most 2). w points at the first
    /// row (rows k apart), xp at the first token in pair order (tokens k apart), y at y[t0, row0] (tokens yStride
    /// apart). Prefetches prefetchLines cache lines from prefetch on, spread evenly over its steps.
    /// </summary>
    public static void Tile<TRows, TTokens>(ushort* w, int k, float* xp, float* y, int yStride, ushort* prefetch, int prefetchLines)
        where TRows : struct, ITileCount
        where TTokens : struct, ITileCount
    {
        int rows = TRows.Value;
        bool two = TTokens.Value > 1;
        float* x1 = xp + k;
        ushort* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        byte* next = (byte*)prefetch;
        int steps = k / Width;
        int owed = 0;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            for (owed += prefetchLines; owed >= steps; owed -= steps, next += IBf16PairTiles.CacheLineBytes)
            {
                Sse.Prefetch0(next);
            }

            var xe0 = Vector256.Load(xp + i);
            var xo0 = Vector256.Load(xp + i + 8);
            Vector256<float> xe1 = default, xo1 = default;
            if (two)
            {
                xe1 = Vector256.Load(x1 + i);
                xo1 = Vector256.Load(x1 + i + 8);
            }

            Row(w + i, xe0, xo0, xe1, xo1, two, ref a00, ref a01);
            if (rows > 1)
            {
                Row(w1 + i, xe0, xo0, xe1, xo1, two, ref a10, ref a11);
            }

            if (rows > 2)
            {
                Row(w2 + i, xe0, xo0, xe1, xo1, two, ref a20, ref a21);
            }

            if (rows > 3)
            {
                Row(w3 + i, xe0, xo0, xe1, xo1, two, ref a30, ref a31);
            }
        }

        Store<TRows>(Reduce(a00, a10, a20, a30), w, k, xp, i, y);
        if (two)
        {
            Store<TRows>(Reduce(a01, a11, a21, a31), w, k, x1, i, y + yStride);
        }
    }

    /// <summary>One row's step: its even weights times both tokens' even activations, then the odd ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(ushort* w, Vector256<float> xe0, Vector256<float> xo0, Vector256<float> xe1, Vector256<float> xo1,
        bool two, ref Vector256<float> a0, ref Vector256<float> a1)
    {
        var v = Vector256.Load((uint*)w);
        var e = Vector256.ShiftLeft(v, 16).AsSingle();
        a0 = Vector256.FusedMultiplyAdd(e, xe0, a0);
        if (two)
        {
            a1 = Vector256.FusedMultiplyAdd(e, xe1, a1);
        }

        var o = (v & Vector256.Create(0xFFFF0000u)).AsSingle();
        a0 = Vector256.FusedMultiplyAdd(o, xo0, a0);
        if (two)
        {
            a1 = Vector256.FusedMultiplyAdd(o, xo1, a1);
        }
    }

    /// <summary>Four row accumulators of one token to their four sums (three horizontal adds and one half add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3)
    {
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(r0, r1), Avx.HorizontalAdd(r2, r3));
        return h.GetLower() + h.GetUpper();
    }

    /// <summary>One token's row sums plus the k tail past the last whole step, into y[0..rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(Vector128<float> sums, ushort* w, int k, float* x, int tail, float* y)
        where TRows : struct, ITileCount
    {
        if (tail < k)
        {
            sums += Vector128.Create(
                Bf16DecodeAvx2Kernels.Tail(w, tail, k, x),
                TRows.Value > 1 ? Bf16DecodeAvx2Kernels.Tail(w + k, tail, k, x) : 0,
                TRows.Value > 2 ? Bf16DecodeAvx2Kernels.Tail(w + 2 * k, tail, k, x) : 0,
                TRows.Value > 3 ? Bf16DecodeAvx2Kernels.Tail(w + 3 * k, tail, k, x) : 0);
        }

        if (TRows.Value == 4)
        {
            sums.Store(y);
            return;
        }

        for (int r = 0; r < TRows.Value; r++)
        {
            y[r] = sums.GetElement(r);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 register tiles for three or more tokens on 512-bit vectors, with no widened panel: like the decode kernels
/// (<see cref="Bf16DecodeAvx512Kernels"/>), a step loads 32 BF16 weights of a row as sixteen 32-bit lanes and splits
/// them with one shift (even elements) and one mask (odd elements) against activations in pair order
/// (<see cref="Bf16PairOrder"/>). A tile is up to 4 rows x 4 tokens: per step 4 weight loads and 8 activation loads
/// feed 32 FMAs, with 16 accumulators, 8 split weights and 2 activations in 26 of the 32 registers. The 16 accumulators
/// are summed together by one transposing reduction (45 shuffles and adds for 16 sums instead of about 8 per sum),
/// which leaves each token's 4 row sums in one 128-bit block, stored with one store.
/// </summary>
internal static unsafe class Bf16PairTilesAvx512
{
    /// <summary>Values per step; the pair-order block width.</summary>
    public const int Width = 32;

    /// <summary>Rows of a full tile.</summary>
    public const int Rows = 4;

    /// <summary>Tokens of a full tile.</summary>
    public const int Tokens = 4;

    /// <summary>
    /// y[t, r] = dot(W row r, x token t) for TRows rows x TTokens tokens. w points at the first row (rows k apart),
    /// xp at the first token in pair order (tokens k apart), y at y[t0, row0] (tokens yStride apart). Prefetches
    /// prefetchLines cache lines from prefetch on, spread evenly over its steps.
    /// </summary>
    public static void Tile<TRows, TTokens>(ushort* w, int k, float* xp, float* y, int yStride, ushort* prefetch, int prefetchLines)
        where TRows : struct, ITileCount
        where TTokens : struct, ITileCount
    {
        int rows = TRows.Value;
        int tokens = TTokens.Value;
        ushort* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        byte* next = (byte*)prefetch;
        int steps = k / Width;
        int owed = 0;
        float* x1 = xp + k, x2 = x1 + k, x3 = x2 + k;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int i = 0;
        for (; i + Width <= k; i += Width)
        {
            Vector512<float> e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
            for (owed += prefetchLines; owed >= steps; owed -= steps, next += CacheLine.Bytes)
            {
                Sse.Prefetch0(next);
            }

            var v = Vector512.Load((uint*)(w + i));
            var e0 = Even(v);
            var o0 = Odd(v);
            if (rows > 1)
            {
                v = Vector512.Load((uint*)(w1 + i));
                e1 = Even(v);
                o1 = Odd(v);
            }

            if (rows > 2)
            {
                v = Vector512.Load((uint*)(w2 + i));
                e2 = Even(v);
                o2 = Odd(v);
            }

            if (rows > 3)
            {
                v = Vector512.Load((uint*)(w3 + i));
                e3 = Even(v);
                o3 = Odd(v);
            }

            var xe = Vector512.Load(xp + i);
            var xo = Vector512.Load(xp + i + 16);
            a00 = Vector512.FusedMultiplyAdd(e0, xe, a00);
            a00 = Vector512.FusedMultiplyAdd(o0, xo, a00);
            if (rows > 1)
            {
                a10 = Vector512.FusedMultiplyAdd(e1, xe, a10);
                a10 = Vector512.FusedMultiplyAdd(o1, xo, a10);
            }

            if (rows > 2)
            {
                a20 = Vector512.FusedMultiplyAdd(e2, xe, a20);
                a20 = Vector512.FusedMultiplyAdd(o2, xo, a20);
            }

            if (rows > 3)
            {
                a30 = Vector512.FusedMultiplyAdd(e3, xe, a30);
                a30 = Vector512.FusedMultiplyAdd(o3, xo, a30);
            }

            if (tokens > 1)
            {
                xe = Vector512.Load(x1 + i);
                xo = Vector512.Load(x1 + i + 16);
                a01 = Vector512.FusedMultiplyAdd(e0, xe, a01);
                a01 = Vector512.FusedMultiplyAdd(o0, xo, a01);
                if (rows > 1)
                {
                    a11 = Vector512.FusedMultiplyAdd(e1, xe, a11);
                    a11 = Vector512.FusedMultiplyAdd(o1, xo, a11);
                }

                if (rows > 2)
                {
                    a21 = Vector512.FusedMultiplyAdd(e2, xe, a21);
                    a21 = Vector512.FusedMultiplyAdd(o2, xo, a21);
                }

                if (rows > 3)
                {
                    a31 = Vector512.FusedMultiplyAdd(e3, xe, a31);
                    a31 = Vector512.FusedMultiplyAdd(o3, xo, a31);
                }
            }

            if (tokens > 2)
            {
                xe = Vector512.Load(x2 + i);
                xo = Vector512.Load(x2 + i + 16);
                a02 = Vector512.FusedMultiplyAdd(e0, xe, a02);
                a02 = Vector512.FusedMultiplyAdd(o0, xo, a02);
                if (rows > 1)
                {
                    a12 = Vector512.FusedMultiplyAdd(e1, xe, a12);
                    a12 = Vector512.FusedMultiplyAdd(o1, xo, a12);
                }

                if (rows > 2)
                {
                    a22 = Vector512.FusedMultiplyAdd(e2, xe, a22);
                    a22 = Vector512.FusedMultiplyAdd(o2, xo, a22);
                }

                if (rows > 3)
                {
                    a32 = Vector512.FusedMultiplyAdd(e3, xe, a32);
                    a32 = Vector512.FusedMultiplyAdd(o3, xo, a32);
                }
            }

            if (tokens > 3)
            {
                xe = Vector512.Load(x3 + i);
                xo = Vector512.Load(x3 + i + 16);
                a03 = Vector512.FusedMultiplyAdd(e0, xe, a03);
                a03 = Vector512.FusedMultiplyAdd(o0, xo, a03);
                if (rows > 1)
                {
                    a13 = Vector512.FusedMultiplyAdd(e1, xe, a13);
                    a13 = Vector512.FusedMultiplyAdd(o1, xo, a13);
                }

                if (rows > 2)
                {
                    a23 = Vector512.FusedMultiplyAdd(e2, xe, a23);
                    a23 = Vector512.FusedMultiplyAdd(o2, xo, a23);
                }

                if (rows > 3)
                {
                    a33 = Vector512.FusedMultiplyAdd(e3, xe, a33);
                    a33 = Vector512.FusedMultiplyAdd(o3, xo, a33);
                }
            }
        }

        var sums = Reduce(
            Blocks(a00, a01, a02, a03),
            Blocks(a10, a11, a12, a13),
            Blocks(a20, a21, a22, a23),
            Blocks(a30, a31, a32, a33));
        Store<TRows>(sums, 0, w, k, xp, i, y);
        if (tokens > 1)
        {
            Store<TRows>(sums, 1, w, k, x1, i, y + yStride);
        }

        if (tokens > 2)
        {
            Store<TRows>(sums, 2, w, k, x2, i, y + 2 * yStride);
        }

        if (tokens > 3)
        {
            Store<TRows>(sums, 3, w, k, x3, i, y + 3 * yStride);
        }
    }

    /// <summary>
    /// Four accumulators to one vector whose 128-bit block j holds four partial sums of accumulator j
    /// (halves of 256 bits, then of 128 bits, added pairwise across the four).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Blocks(Vector512<float> p, Vector512<float> q, Vector512<float> r, Vector512<float> s)
    {
        var pq = Avx512F.Shuffle4x128(p, q, 0x44) + Avx512F.Shuffle4x128(p, q, 0xEE);
        var rs = Avx512F.Shuffle4x128(r, s, 0x44) + Avx512F.Shuffle4x128(r, s, 0xEE);
        return Avx512F.Shuffle4x128(pq, rs, 0x88) + Avx512F.Shuffle4x128(pq, rs, 0xDD);
    }

    /// <summary>
    /// Row vectors from <see cref="Blocks"/> (block t of vector r: partials of row r, token t) to one vector whose block
    /// t holds the four row sums of token t: a horizontal add within each 128-bit block, twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reduce(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3) =>
        PairSums(PairSums(r0, r1), PairSums(r2, r3));

    /// <summary>Within each 128-bit block: [a0 + a1, a2 + a3, b0 + b1, b2 + b3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairSums(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle(a, b, 0x88) + Avx512F.Shuffle(a, b, 0xDD);

    /// <summary>Token t's row sums (block t of sums) plus the k tail past the last whole step, into y[0..rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TRows>(Vector512<float> sums, int t, ushort* w, int k, float* x, int tail, float* y)
        where TRows : struct, ITileCount
    {
        var block = t switch
        {
            0 => sums.GetLower().GetLower(),
            1 => sums.GetLower().GetUpper(),
            2 => sums.GetUpper().GetLower(),
            _ => sums.GetUpper().GetUpper(),
        };
        if (tail < k)
        {
            block += Vector128.Create(
                Bf16DecodeAvx512Kernels.Tail(w, tail, k, x),
                TRows.Value > 1 ? Bf16DecodeAvx512Kernels.Tail(w + k, tail, k, x) : 0,
                TRows.Value > 2 ? Bf16DecodeAvx512Kernels.Tail(w + 2 * k, tail, k, x) : 0,
                TRows.Value > 3 ? Bf16DecodeAvx512Kernels.Tail(w + 3 * k, tail, k, x) : 0);
        }

        if (TRows.Value == 4)
        {
            block.Store(y);
            return;
        }

        for (int r = 0; r < TRows.Value; r++)
        {
            y[r] = block.GetElement(r);
        }
    }

    /// <summary>The even elements of sixteen BF16 pairs as fp32 (low halves moved up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Even(Vector512<uint> pairs) => Vector512.ShiftLeft(pairs, 16).AsSingle();

    /// <summary>The odd elements of sixteen BF16 pairs as fp32 (high halves, low bits cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Odd(Vector512<uint> pairs) => (pairs & Vector512.Create(0xFFFF0000u)).AsSingle();
}

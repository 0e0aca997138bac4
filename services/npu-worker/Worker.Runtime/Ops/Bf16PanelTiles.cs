using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// BF16 matmul tiles over 16-row panels (<see cref="Bf16Layout.Panels"/>, the AVX2 path): a panel holds its 16 rows
/// value by value, so one 32-byte load at step kk is the 16 rows' values at kk, eight 32-bit lanes of (even row, odd
/// row) pairs that one shift and one mask widen into the even and the odd rows' fp32 weights. Each token's activation
/// at kk is broadcast and feeds both halves: a tile of 16 rows x 6 tokens keeps 12 accumulators and, per step, one
/// weight load, two bit operations and six broadcast loads feed 12 FMAs (the classic 6 x 16 register kernel, with the
/// rows across the lanes, instead of 4 rows x 2 tokens with k across them: 16 FMAs for 8 loads and 8 bit operations,
/// and a horizontal sum per output). In L1 on one Zen 5 thread (AVX2 code) the panel tile ran at 113 GFLOP/s against
/// 93 for the 4 x 2 pair tile.
/// <para>
/// The activations come as token blocks (<see cref="TokenSlots"/> floats per k step, a tile's tokens in the first
/// slots), so a tile's broadcasts read one sequential stream; a single token reads its plain activations (step 1).
/// </para>
/// </summary>
internal static unsafe class Bf16PanelTiles
{
    /// <summary>Rows of a panel: one 32-byte load holds their values at one step of k.</summary>
    public const int Rows = 16;

    /// <summary>Tokens of a full tile: 12 accumulators, the two weight halves, the mask and a broadcast fill the 16 registers.</summary>
    public const int MaxTokens = 6;

    /// <summary>Floats per step of k in a token block (one 32-byte vector, so blocks transpose 8 x 8).</summary>
    public const int TokenSlots = 8;

    /// <summary>
    /// How far ahead the decode kernels (<see cref="Decode{TPanels}"/>, <see cref="DecodeTwo{TPanels}"/>) prefetch each
    /// panel's stream: 1536 bytes, as the row-layout decode's four streams do; 768, 1024, 2048 and 3072 bytes measured
    /// no faster on the panels (the 0.5B one-token decode step's matmuls, alternated step by step in one process with
    /// the row kernels); with no prefetch the panels took 17% longer than the row kernels beside them, 1% with this one.
    /// </summary>
    private const int DecodePrefetchBytes = 1536;

    /// <summary>
    /// y[t, r] = dot(panel row r, x token t) for the panel's 16 rows x TTokens tokens (at most <see cref="MaxTokens"/>):
    /// token t's value at step kk is x[kk * xStep + t]; y[t, 0..16) is stored at y + t * yStride. Meanwhile prefetches
    /// prefetchLines cache lines from prefetch on (none with 0), spread evenly over its steps.
    /// </summary>
    public static void Tile<TTokens>(ushort* panel, int k, float* x, int xStep, float* y, int yStride, byte* prefetch, int prefetchLines)
        where TTokens : struct, ITileCount
    {
        int n = TTokens.Value;
        Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default;
        Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default, o4 = default, o5 = default;
        int owed = 0;
        for (int kk = 0; kk < k; kk++, x += xStep)
        {
            for (owed += prefetchLines; owed >= k; owed -= k, prefetch += CacheLine.Bytes)
            {
                Sse.Prefetch0(prefetch);
            }

            var v = Vector256.Load((uint*)(panel + (long)kk * Rows));
            var even = Even(v);
            var odd = Odd(v);
            var b = Avx.BroadcastScalarToVector256(x);
            e0 = Fma.MultiplyAdd(even, b, e0);
            o0 = Fma.MultiplyAdd(odd, b, o0);
            if (n > 1)
            {
                b = Avx.BroadcastScalarToVector256(x + 1);
                e1 = Fma.MultiplyAdd(even, b, e1);
                o1 = Fma.MultiplyAdd(odd, b, o1);
            }

            if (n > 2)
            {
                b = Avx.BroadcastScalarToVector256(x + 2);
                e2 = Fma.MultiplyAdd(even, b, e2);
                o2 = Fma.MultiplyAdd(odd, b, o2);
            }

            if (n > 3)
            {
                b = Avx.BroadcastScalarToVector256(x + 3);
                e3 = Fma.MultiplyAdd(even, b, e3);
                o3 = Fma.MultiplyAdd(odd, b, o3);
            }

            if (n > 4)
            {
                b = Avx.BroadcastScalarToVector256(x + 4);
                e4 = Fma.MultiplyAdd(even, b, e4);
                o4 = Fma.MultiplyAdd(odd, b, o4);
            }

            if (n > 5)
            {
                b = Avx.BroadcastScalarToVector256(x + 5);
                e5 = Fma.MultiplyAdd(even, b, e5);
                o5 = Fma.MultiplyAdd(odd, b, o5);
            }
        }

        Store(e0, o0, y);
        if (n > 1)
        {
            Store(e1, o1, y + yStride);
        }

        if (n > 2)
        {
            Store(e2, o2, y + 2 * yStride);
        }

        if (n > 3)
        {
            Store(e3, o3, y + 3 * yStride);
        }

        if (n > 4)
        {
            Store(e4, o4, y + 4 * yStride);
        }

        if (n > 5)
        {
            Store(e5, o5, y + 5 * yStride);
        }
    }

    /// <summary>
    /// One decoding token over TPanels panels (1..4), panel + p * panelStride, into y + p * yStride (16 rows each):
    /// four far-apart weight streams read side by side, each broadcast activation feeding all of them (the row-layout
    /// decode's four-row pass, <see cref="Bf16DecodeAvx512Kernels.Row4x1"/>, says why four streams). Two steps an
    /// iteration; one or two panels take the second step into accumulators of its own, so the FMAs' latency does not
    /// bound them.
    /// </summary>
    public static void Decode<TPanels>(ushort* panel, long panelStride, int k, float* x, float* y, int yStride)
        where TPanels : struct, ITileCount
    {
        int n = TPanels.Value;
        bool split = n <= 2;
        ushort* p1 = panel + panelStride, p2 = p1 + panelStride, p3 = p2 + panelStride;
        Vector256<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default, e3 = default, o3 = default;
        Vector256<float> f0 = default, q0 = default, f1 = default, q1 = default;
        int kk = 0;
        for (; kk + 2 <= k; kk += 2, panel += 2 * Rows, p1 += 2 * Rows, p2 += 2 * Rows, p3 += 2 * Rows)
        {
            Sse.Prefetch0((byte*)panel + DecodePrefetchBytes);
            if (n > 1)
            {
                Sse.Prefetch0((byte*)p1 + DecodePrefetchBytes);
            }

            if (n > 2)
            {
                Sse.Prefetch0((byte*)p2 + DecodePrefetchBytes);
            }

            if (n > 3)
            {
                Sse.Prefetch0((byte*)p3 + DecodePrefetchBytes);
            }

            var b = Avx.BroadcastScalarToVector256(x + kk);
            var c = Avx.BroadcastScalarToVector256(x + kk + 1);
            Step(panel, b, c, true, split, ref e0, ref o0, ref f0, ref q0);
            if (n > 1)
            {
                Step(p1, b, c, true, split, ref e1, ref o1, ref f1, ref q1);
            }

            if (n > 2)
            {
                Step(p2, b, c, true, false, ref e2, ref o2, ref e2, ref o2);
            }

            if (n > 3)
            {
                Step(p3, b, c, true, false, ref e3, ref o3, ref e3, ref o3);
            }
        }

        if (kk < k)
        {
            var b = Avx.BroadcastScalarToVector256(x + kk);
            Step(panel, b, b, false, split, ref e0, ref o0, ref f0, ref q0);
            if (n > 1)
            {
                Step(p1, b, b, false, split, ref e1, ref o1, ref f1, ref q1);
            }

            if (n > 2)
            {
                Step(p2, b, b, false, false, ref e2, ref o2, ref e2, ref o2);
            }

            if (n > 3)
            {
                Step(p3, b, b, false, false, ref e3, ref o3, ref e3, ref o3);
            }
        }

        Store(e0 + f0, o0 + q0, y);
        if (n > 1)
        {
            Store(e1 + f1, o1 + q1, y + yStride);
        }

        if (n > 2)
        {
            Store(e2, o2, y + 2 * yStride);
        }

        if (n > 3)
        {
            Store(e3, o3, y + 3 * yStride);
        }
    }

    /// <summary>
    /// Two decoding tokens over TPanels panels (1..3), panel + p * panelStride, into y + p * yStride (16 rows each, the
    /// second token's n floats after the first's): three far-apart weight streams side by side (four would need 16
    /// accumulators), each token's broadcast feeding all of them; x is the two tokens' block
    /// (<see cref="TokenSlots"/> floats a step).
    /// </summary>
    public static void DecodeTwo<TPanels>(ushort* panel, long panelStride, int k, float* x, float* y, int yStride, int n)
        where TPanels : struct, ITileCount
    {
        int panels = TPanels.Value;
        ushort* p1 = panel + panelStride, p2 = p1 + panelStride;
        Vector256<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default;
        Vector256<float> f0 = default, q0 = default, f1 = default, q1 = default, f2 = default, q2 = default;
        for (int kk = 0; kk < k; kk++, panel += Rows, p1 += Rows, p2 += Rows, x += TokenSlots)
        {
            if ((kk & 1) == 0)
            {
                // Once per 64-byte line of each panel.
                Sse.Prefetch0((byte*)panel + DecodePrefetchBytes);
                if (panels > 1)
                {
                    Sse.Prefetch0((byte*)p1 + DecodePrefetchBytes);
                }

                if (panels > 2)
                {
                    Sse.Prefetch0((byte*)p2 + DecodePrefetchBytes);
                }
            }

            var b = Avx.BroadcastScalarToVector256(x);
            var c = Avx.BroadcastScalarToVector256(x + 1);
            Step(panel, b, c, ref e0, ref o0, ref f0, ref q0);
            if (panels > 1)
            {
                Step(p1, b, c, ref e1, ref o1, ref f1, ref q1);
            }

            if (panels > 2)
            {
                Step(p2, b, c, ref e2, ref o2, ref f2, ref q2);
            }
        }

        Store(e0, o0, y);
        Store(f0, q0, y + n);
        if (panels > 1)
        {
            Store(e1, o1, y + yStride);
            Store(f1, q1, y + yStride + n);
        }

        if (panels > 2)
        {
            Store(e2, o2, y + 2 * yStride);
            Store(f2, q2, y + 2 * yStride + n);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ushort* w, Vector256<float> b, Vector256<float> c,
            ref Vector256<float> e, ref Vector256<float> o, ref Vector256<float> f, ref Vector256<float> q)
        {
            var v = Vector256.Load((uint*)w);
            var even = Even(v);
            var odd = Odd(v);
            e = Fma.MultiplyAdd(even, b, e);
            o = Fma.MultiplyAdd(odd, b, o);
            f = Fma.MultiplyAdd(even, c, f);
            q = Fma.MultiplyAdd(odd, c, q);
        }
    }

    /// <summary>
    /// One panel's step at w times b into (e, o) and, when second, the next step (w + 16) times c into (f, q) when
    /// split, else into (e, o) too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ushort* w, Vector256<float> b, Vector256<float> c, bool second, bool split,
        ref Vector256<float> e, ref Vector256<float> o, ref Vector256<float> f, ref Vector256<float> q)
    {
        var v = Vector256.Load((uint*)w);
        e = Fma.MultiplyAdd(Even(v), b, e);
        o = Fma.MultiplyAdd(Odd(v), b, o);
        if (!second)
        {
            return;
        }

        v = Vector256.Load((uint*)(w + Rows));
        if (split)
        {
            f = Fma.MultiplyAdd(Even(v), c, f);
            q = Fma.MultiplyAdd(Odd(v), c, q);
        }
        else
        {
            e = Fma.MultiplyAdd(Even(v), c, e);
            o = Fma.MultiplyAdd(Odd(v), c, o);
        }
    }

    /// <summary>
    /// Tokens [0, count) of x (k values each, rows k apart; count at most <see cref="TokenSlots"/>) as a token block:
    /// block[kk * TokenSlots + t] = x[t * k + kk], eight steps at a time by an 8 x 8 transpose (<see cref="Transpose8x8"/>); slots past count are
    /// copies of the last token (never read).
    /// </summary>
    public static void ToTokenBlock(float* x, int k, int count, float* block)
    {
        float* r0 = x, r1 = Token(1), r2 = Token(2), r3 = Token(3), r4 = Token(4), r5 = Token(5), r6 = Token(6), r7 = Token(7);
        int kk = 0;
        for (; kk + TokenSlots <= k; kk += TokenSlots)
        {
            Transpose8x8.Store(r0 + kk, r1 + kk, r2 + kk, r3 + kk, r4 + kk, r5 + kk, r6 + kk, r7 + kk, block + (long)kk * TokenSlots, TokenSlots, TokenSlots);
        }

        for (; kk < k; kk++)
        {
            for (int t = 0; t < count; t++)
            {
                block[(long)kk * TokenSlots + t] = x[(long)t * k + kk];
            }
        }

        float* Token(int t) => x + (long)Math.Min(t, count - 1) * k;
    }

    /// <summary>The 16 rows' sums of one token into y[0..16): the even rows' lanes interleaved with the odd rows'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> even, Vector256<float> odd, float* y)
    {
        var low = Avx.UnpackLow(even, odd);
        var high = Avx.UnpackHigh(even, odd);
        Avx.Permute2x128(low, high, 0x20).Store(y);
        Avx.Permute2x128(low, high, 0x31).Store(y + 8);
    }

    /// <summary>The even rows' weights of eight BF16 pairs as fp32 (low halves moved up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even(Vector256<uint> pairs) => Vector256.ShiftLeft(pairs, 16).AsSingle();

    /// <summary>The odd rows' weights of eight BF16 pairs as fp32 (high halves, low bits cleared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odd(Vector256<uint> pairs) => (pairs & Vector256.Create(0xFFFF0000u)).AsSingle();
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 register tiles on 256-bit vectors for decode (a few tokens): four weight rows x two tokens, one
/// block per step, ggml's sign trick: maddubs multiplies unsigned by signed bytes, so it gets |x| and w * sign(x) (the
/// products are unchanged); madd with ones sums pairs into eight int32 lanes (exact: |sum| &lt;= 2 * 127 * 127 per
/// int16 lane), then one FMA per block applies the scale. AvxVnni, where the CPU has it, replaces maddubs + madd. Each (row, token) pair's block scales come combined,
/// d_w * d_x, one float per block, computed once per tile (<see cref="Q8MatMul"/>), so a block's scale is one
/// broadcast load instead of an expanded-scale load and a multiply on the FP pipes the int8 products also need.
/// ds points at the scales of (row 0, token 0); pair (r, j) is at ds + r * rowStride + j * tokenStride.
/// </summary>
internal static unsafe class Q8Avx2TileKernels
{
    /// <summary>
    /// How far ahead <see cref="Rows4x1"/> prefetches each row: four streams per core are more than the hardware
    /// prefetcher runs far enough ahead of. On the 0.5B decode step (Zen 5, two threads, variants alternated step by
    /// step in one process, guided decode chunks, half of the rows first) 1024-2048 bytes took a
    /// median 5-8% less time than 512 in 2 of 2 runs.
    /// </summary>
    private const int PrefetchDistance = 1536;

    /// <summary>
    /// Four rows (rowBytes apart, kp bytes each) x two tokens into y[j * yTokenStride + r * yRowStride]: the four rows'
    /// scales (at scales0 + r * scaleRowBytes bytes) combined with token j's block scales dx0 or dx1 into ds (eight
    /// rows of blocks rounded up to 8), then <see cref="Rows4x1"/>'s steps with each weight vector feeding both tokens
    /// (rows far apart are four streams from memory; a second pair of tokens over the same rows finds them in L1),
    /// prefetching once per cache line. Against the per-row scale calls before it, alternated in one process (Zen 4
    /// without AVX-VNNI, two tokens, a layer's QKV, o and gate/up matrices from L3 on two threads): a median 34.0
    /// against 30.5 and 30.8 against 27.9 GB/s of weights.
    /// </summary>
    public static void Rows4x2(sbyte* w0, long rowBytes, int kp, int q8RowStride, ushort* scales0, long scaleRowBytes, float* dx0, float* dx1, float* ds,
        Q8Token x0, Q8Token x1, float* y, int yRowStride, int yTokenStride)
    {
        int blocks = kp / Q8Block.Size;
        int tokenStride = ScaleRowLength(blocks);
        int rowStride = 2 * tokenStride;
        CombineFour(scales0, scaleRowBytes, dx0, blocks, ds, rowStride);
        CombineFour(scales0, scaleRowBytes, dx1, blocks, ds + tokenStride, rowStride);

        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default;
        var ones = Vector256.Create((short)1);
        sbyte* w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        float* d0 = ds, d1 = d0 + rowStride, d2 = d1 + rowStride, d3 = d2 + rowStride;
        for (int i = 0; i < kp; i += Q8Block.Size, d0++, d1++, d2++, d3++)
        {
            if ((i & Q8Block.Size) == 0)
            {
                CacheLine.PrefetchFour(w0 + i, w1 + i, w2 + i, w3 + i, PrefetchDistance);
            }

            var abs0 = Vector256.Load(x0.Abs + i);
            var q0 = Vector256.Load(x0.Q + i);
            var abs1 = Vector256.Load(x1.Abs + i);
            var q1 = Vector256.Load(x1.Q + i);
            var w = Vector256.Load(w0 + i);
            a00 = Fma.MultiplyAdd(BlockDot(abs0, q0, w, ones), Vector256.Create(d0[0]), a00);
            a01 = Fma.MultiplyAdd(BlockDot(abs1, q1, w, ones), Vector256.Create(d0[tokenStride]), a01);
            w = Vector256.Load(w1 + i);
            a10 = Fma.MultiplyAdd(BlockDot(abs0, q0, w, ones), Vector256.Create(d1[0]), a10);
            a11 = Fma.MultiplyAdd(BlockDot(abs1, q1, w, ones), Vector256.Create(d1[tokenStride]), a11);
            w = Vector256.Load(w2 + i);
            a20 = Fma.MultiplyAdd(BlockDot(abs0, q0, w, ones), Vector256.Create(d2[0]), a20);
            a21 = Fma.MultiplyAdd(BlockDot(abs1, q1, w, ones), Vector256.Create(d2[tokenStride]), a21);
            w = Vector256.Load(w3 + i);
            a30 = Fma.MultiplyAdd(BlockDot(abs0, q0, w, ones), Vector256.Create(d3[0]), a30);
            a31 = Fma.MultiplyAdd(BlockDot(abs1, q1, w, ones), Vector256.Create(d3[tokenStride]), a31);
        }

        PrefetchRowEnds(w0, rowBytes, (kp + CacheLine.Bytes - 1) & ~(CacheLine.Bytes - 1), q8RowStride);
        y[0] = Vector256.Sum(a00);
        y[yRowStride] = Vector256.Sum(a10);
        y[2 * yRowStride] = Vector256.Sum(a20);
        y[3 * yRowStride] = Vector256.Sum(a30);
        y[yTokenStride] = Vector256.Sum(a01);
        y[yTokenStride + yRowStride] = Vector256.Sum(a11);
        y[yTokenStride + 2 * yRowStride] = Vector256.Sum(a21);
        y[yTokenStride + 3 * yRowStride] = Vector256.Sum(a31);
    }

    /// <summary>
    /// Four rows (rowBytes apart, kp bytes each) x one token into y[r * yStride]: rows a quarter of a chunk apart for
    /// decode (<see cref="Q8MatMul"/>), where each row is its own stream from memory and is prefetched
    /// <see cref="PrefetchDistance"/> ahead, once per cache line. Row r's fp16 scales lie at scales0 + r * scaleRowBytes
    /// bytes; the kernel combines them with the token's block scales dx into ds (four rows of <see cref="ScaleRowLength"/>)
    /// itself, inlined, and then steps two blocks (one cache line of each row) at a time. Against the row-by-row
    /// <see cref="Q8Block.CombineScales(ushort*, float*, int, float*)"/> calls and a one-block step before it
    /// (alternated in one process on the Zen 4 without AVX-VNNI, one thread, rows in L1): 0.72-0.76 of the time, the
    /// same results; the one-token Q8_0 kernels are bound by this arithmetic, not by memory, in the host's fast minutes.
    /// </summary>
    public static void Rows4x1(sbyte* w0, long rowBytes, int kp, int q8RowStride, ushort* scales0, long scaleRowBytes, float* dx, float* ds, Q8Token x, float* y,
        int yStride)
    {
        int blocks = kp / Q8Block.Size;
        int rowStride = ScaleRowLength(blocks);
        CombineFour(scales0, scaleRowBytes, dx, blocks, ds, rowStride);

        sbyte* w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        float* d0 = ds, d1 = d0 + rowStride, d2 = d1 + rowStride, d3 = d2 + rowStride;
        byte* xa = x.Abs;
        sbyte* xq = x.Q;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var ones = Vector256.Create((short)1);
        sbyte* start = w0;
        sbyte* end = w0 + (kp & ~(2 * Q8Block.Size - 1));
        for (; w0 < end; w0 += 2 * Q8Block.Size, w1 += 2 * Q8Block.Size, w2 += 2 * Q8Block.Size, w3 += 2 * Q8Block.Size,
             xa += 2 * Q8Block.Size, xq += 2 * Q8Block.Size, d0 += 2, d1 += 2, d2 += 2, d3 += 2)
        {
            CacheLine.PrefetchFour(w0, w1, w2, w3, PrefetchDistance);
            var abs = Vector256.Load(xa);
            var q = Vector256.Load(xq);
            a0 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w0), ones), Vector256.Create(d0[0]), a0);
            a1 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w1), ones), Vector256.Create(d1[0]), a1);
            a2 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w2), ones), Vector256.Create(d2[0]), a2);
            a3 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w3), ones), Vector256.Create(d3[0]), a3);
            abs = Vector256.Load(xa + Q8Block.Size);
            q = Vector256.Load(xq + Q8Block.Size);
            a0 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w0 + Q8Block.Size), ones), Vector256.Create(d0[1]), a0);
            a1 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w1 + Q8Block.Size), ones), Vector256.Create(d1[1]), a1);
            a2 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w2 + Q8Block.Size), ones), Vector256.Create(d2[1]), a2);
            a3 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w3 + Q8Block.Size), ones), Vector256.Create(d3[1]), a3);
        }

        // An odd last block: the loop's first half once more. Both ways of writing the step once measured slower in L1
        // and L2 (alternated in one process, Zen 4): one block a pass with a prefetch every other block 2-7%, a shared
        // inlined step with the accumulators in a struct 1-7%.
        if ((blocks & 1) != 0)
        {
            var abs = Vector256.Load(xa);
            var q = Vector256.Load(xq);
            a0 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w0), ones), Vector256.Create(d0[0]), a0);
            a1 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w1), ones), Vector256.Create(d1[0]), a1);
            a2 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w2), ones), Vector256.Create(d2[0]), a2);
            a3 = Fma.MultiplyAdd(BlockDot(abs, q, Vector256.Load(w3), ones), Vector256.Create(d3[0]), a3);
        }

        PrefetchRowEnds(start, rowBytes, (int)(end - start), q8RowStride);
        y[0] = Vector256.Sum(a0);
        y[yStride] = Vector256.Sum(a1);
        y[2 * yStride] = Vector256.Sum(a2);
        y[3 * yStride] = Vector256.Sum(a3);
    }

    /// <summary>
    /// The lines of each of the four streams that the row's loop did not prefetch: it prefetched
    /// <see cref="PrefetchDistance"/> ahead of each of its first <paramref name="swept"/> bytes, a line at a time, and the
    /// next row's quants start <paramref name="q8RowStride"/> bytes on, past its scales (<see cref="WeightMatrix.Q8ScalesInRows"/>).
    /// Without these, one line in 15 of the 0.5B sizes' 896-wide rows (a quant line of the row after next, as the
    /// sweep runs ahead) was left to the hardware, and the one-token decode step took longer: alternated round by round
    /// in one process (100-step rounds, Zen 5), a median 8.62 against 8.79 ms, 8.83 against 9.14 and 9.72 against 9.95
    /// (10 of 12 rounds faster each time), 10.54 against 10.94 on the AVX2 path (10 of 10), two tokens 14.69 against 15.06.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRowEnds(sbyte* w0, long rowBytes, int swept, int q8RowStride)
    {
        for (int offset = swept; offset < q8RowStride; offset += CacheLine.Bytes)
        {
            CacheLine.PrefetchFour(w0 + offset, w0 + rowBytes + offset, w0 + 2 * rowBytes + offset, w0 + 3 * rowBytes + offset, PrefetchDistance);
        }
    }

    /// <summary>Floats of a row's combined scales in a kernel's scratch: the blocks rounded up to 8, for 8-wide stores.</summary>
    public static int ScaleRowLength(int blocks) => (blocks + 7) / 8 * 8;

    /// <summary>Four rows' scales (at scales0 + r * scaleRowBytes bytes) times a token's block scales, row r's into ds + r * rowStride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CombineFour(ushort* scales0, long scaleRowBytes, float* dx, int blocks, float* ds, int rowStride)
    {
        for (int r = 0; r < 4; r++)
        {
            Q8Block.CombineScales((ushort*)((byte*)scales0 + r * scaleRowBytes), dx, blocks, ds + r * rowStride);
        }
    }

    /// <summary>One block's 32 products summed into eight int32 lanes, as fp32 (AvxVnni where the CPU has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDot(Vector256<byte> absX, Vector256<sbyte> x, Vector256<sbyte> w, Vector256<short> ones)
    {
        var signedW = Avx2.Sign(w, x);
        Vector256<int> sums = AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, absX, signedW)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(absX, signedW), ones);
        return Avx.ConvertToVector256Single(sums);
    }
}

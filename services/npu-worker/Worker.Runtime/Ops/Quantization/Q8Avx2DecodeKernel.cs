using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One Q8_0 weight row x one token on 256-bit vectors, for decode, where the row is read once and must stream at
/// memory speed. The row's scales are combined with the token's first, one float per block
/// (<see cref="Q8Block.CombineScales(ushort*, float*, float*, int, float*)"/>), not expanded eight times into scratch:
/// each block's is broadcast straight from memory (the FMA's embedded broadcast where the JIT has EVEX), which costs no
/// vector ALU operation. Four accumulators: a row of 896 values is only 28 blocks, so with two the FMA latency chains,
/// not the ALUs, bounded it.
/// Two forms of the int8 products:
/// - On AvxVnni the weights are made unsigned by flipping their top bit (w + 128), so the token's quants are the
///   signed operand as they are: a block costs three loads (weights, quants, scale), and the sum holds
///   128 * sum(x) per block beyond the dot product, which the scale combination also computes, from the token's
///   <see cref="Q8Activations.BlockSums"/>, and which is subtracted once per row. Alone on the k = 4864 matrix (Zen 5,
///   variants alternated step by step, 900 steps): 2.17 ms a step for its 24 layers against 2.47 with the sign trick;
///   in L1, 0.44 ns a block against 0.60.
/// - Without it, ggml's sign trick: maddubs multiplies unsigned by signed bytes, so it gets |x| and w * sign(x), and
///   madd with ones sums pairs (maddubs saturates at int16, so w + 128 would overflow there).
/// Both forms prefetch the row <see cref="PrefetchBytes"/> ahead, one line at a time.
/// </summary>
internal static unsafe class Q8Avx2DecodeKernel
{
    /// <summary>
    /// How far ahead the row is prefetched, in bytes: 4 KiB, the rest of this row and the start of the next (a chunk's
    /// rows lie back to back). The 0.5B sizes' 4864-wide down projection, 24 matrices from memory on two threads, one
    /// token (a 2-core Intel Xeon, Ice Lake; distances alternated in one process, 8 rounds each): without a prefetch a
    /// median 19.8 GB/s, against 28 for the four-row kernels on the gate/up projection; 512 bytes ahead 21.6, 1024
    /// 22.6, 2048 23.8, 4096 25.3, 8192 25.2, 16384 25.1; into L2 only (prefetcht1) 4096 ahead 23.8. On a Zen 4 a
    /// prefetch in this kernel measured neither faster nor slower.
    /// </summary>
    internal const int PrefetchBytes = 4096;

    /// <summary>dot(row, token t): w the row's quants (blocks x 32), scales its fp16 scales, ds scratch for the combined ones.</summary>
    public static float Row(sbyte* w, ushort* scales, int blocks, Q8Activations x, int t, float* ds)
    {
        if (AvxVnni.IsSupported)
        {
            float extra = Q8Block.CombineScales(scales, x.BlockScales(t), x.BlockSums(t), blocks, ds);
            return RowUnsignedWeights(w, ds, blocks, x.Token(t).Q) - extra;
        }

        Q8Block.CombineScales(scales, x.BlockScales(t), blocks, ds);
        return RowSignTrick(w, ds, blocks, x.Token(t));
    }

    /// <summary>
    /// sum_b ds[b] * ((w_b + 128) . x_b) on AvxVnni, stepping pointers (no index arithmetic in the loop). Internal, like
    /// <see cref="RowSignTrick"/>, so the tests run both forms on a machine that has AvxVnni.
    /// </summary>
    internal static float RowUnsignedWeights(sbyte* w, float* ds, int blocks, sbyte* x)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var flip = Vector256.Create((byte)0x80);
        float* end4 = ds + (blocks & ~3);
        for (; ds < end4; ds += 4, w += 4 * Q8Block.Size, x += 4 * Q8Block.Size)
        {
            PrefetchTwoLines(w);
            a0 = Fma.MultiplyAdd(UnsignedBlockDot(w, x, flip), Vector256.Create(ds[0]), a0);
            a1 = Fma.MultiplyAdd(UnsignedBlockDot(w + Q8Block.Size, x + Q8Block.Size, flip), Vector256.Create(ds[1]), a1);
            a2 = Fma.MultiplyAdd(UnsignedBlockDot(w + 2 * Q8Block.Size, x + 2 * Q8Block.Size, flip), Vector256.Create(ds[2]), a2);
            a3 = Fma.MultiplyAdd(UnsignedBlockDot(w + 3 * Q8Block.Size, x + 3 * Q8Block.Size, flip), Vector256.Create(ds[3]), a3);
        }

        float* end = end4 + (blocks & 3);
        for (; ds < end; ds++, w += Q8Block.Size, x += Q8Block.Size)
        {
            a0 = Fma.MultiplyAdd(UnsignedBlockDot(w, x, flip), Vector256.Create(ds[0]), a0);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>One block: (w + 128) . x in eight int32 lanes (exact: no intermediate saturation in VNNI), as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> UnsignedBlockDot(sbyte* w, sbyte* x, Vector256<byte> flip) =>
        Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(w).AsByte() ^ flip, Vector256.Load(x)));

    /// <summary>
    /// sum_b ds[b] * (w_b . x_b) by the sign trick (maddubs + madd), stepping pointers instead of indexing from the
    /// block number: the 4864-wide down projection of the 0.5B sizes, a layer's worth in L3 on two threads (its
    /// scales combined inline too, <see cref="Q8Block.CombineScales(ushort*, float*, int, float*)"/>), a median 58
    /// against 53 GB/s (Zen 4 without AVX-VNNI, alternated in one process).
    /// </summary>
    internal static float RowSignTrick(sbyte* w, float* ds, int blocks, Q8Token x)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var ones = Vector256.Create((short)1);
        sbyte* xq = x.Q;
        byte* xa = x.Abs;
        float* end4 = ds + (blocks & ~3);
        for (; ds < end4; ds += 4, w += 4 * Q8Block.Size, xq += 4 * Q8Block.Size, xa += 4 * Q8Block.Size)
        {
            PrefetchTwoLines(w);
            a0 = Fma.MultiplyAdd(SignTrickBlockDot(xa, xq, w, ones), Vector256.Create(ds[0]), a0);
            a1 = Fma.MultiplyAdd(SignTrickBlockDot(xa + Q8Block.Size, xq + Q8Block.Size, w + Q8Block.Size, ones), Vector256.Create(ds[1]), a1);
            a2 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 2 * Q8Block.Size, xq + 2 * Q8Block.Size, w + 2 * Q8Block.Size, ones), Vector256.Create(ds[2]), a2);
            a3 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 3 * Q8Block.Size, xq + 3 * Q8Block.Size, w + 3 * Q8Block.Size, ones), Vector256.Create(ds[3]), a3);
        }

        float* end = end4 + (blocks & 3);
        for (; ds < end; ds++, w += Q8Block.Size, xq += Q8Block.Size, xa += Q8Block.Size)
        {
            a0 = Fma.MultiplyAdd(SignTrickBlockDot(xa, xq, w, ones), Vector256.Create(ds[0]), a0);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>The two lines <see cref="PrefetchBytes"/> past w: the four blocks a loop step reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTwoLines(sbyte* w)
    {
        Sse.Prefetch0(w + PrefetchBytes);
        Sse.Prefetch0(w + PrefetchBytes + CacheLine.Bytes);
    }

    /// <summary>One block: eight int32 sums as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SignTrickBlockDot(byte* xa, sbyte* xq, sbyte* w, Vector256<short> ones)
    {
        var signedW = Avx2.Sign(Vector256.Load(w), Vector256.Load(xq));
        return Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(xa), signedW), ones));
    }
}

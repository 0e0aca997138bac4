using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One Q8_0 weight row x one token on 256-bit vectors, for decode, where the row is read once and must stream at
/// memory speed. Eight blocks a step: their fp16 scales times the token's (<see cref="Q8Block.CombineEight"/>) in one
/// register, each block's broadcast from it by a lane permute. The whole row's scales combined into scratch before its
/// blocks, each then broadcast from memory, left the memory idle while they were combined, once per row: one thread,
/// four rows of 4864 in L1 (Zen 5, alternated in one process), 0.63 against 0.68 ns a block with AvxVnni, 0.70 against
/// 0.75 (3584 wide) by the sign trick; the 0.5B decode step's down projection from memory, one runner with the variants
/// alternated round by round (six runs of 12 rounds), a median 0.84 of the gate/up projection's rate against 0.83
/// (0.82-0.90 against 0.80-0.85). A row's last blocks short of eight take the scratch route
/// (<see cref="Q8Block.CombineGroup"/>). Four accumulators: with two the FMA latency chains, not the ALUs, bounded a
/// row.
/// Two forms of the int8 products:
/// - On AvxVnni the weights are made unsigned by flipping their top bit (w + 128), so the token's quants are the
///   signed operand as they are: a block costs three loads (weights, quants, scale), and the sum holds
///   128 * sum(x) per block beyond the dot product, which the scale combination also computes, from the token's
///   <see cref="Q8Activations.BlockSums"/>, and which is subtracted once per row. Alone on the k = 4864 matrix (Zen 5,
///   variants alternated step by step, 900 steps): 2.17 ms a step for its 24 layers against 2.47 with the sign trick;
///   in L1, 0.44 ns a block against 0.60.
/// - Without it, ggml's sign trick: maddubs multiplies unsigned by signed bytes, so it gets |x| and w * sign(x), and
///   madd with ones sums pairs (maddubs saturates at int16, so w + 128 would overflow there).
/// Both forms prefetch the row <see cref="PrefetchBytes"/> ahead, one line at a time. Prefetching the scales 256 bytes
/// ahead as well (a separate stream in the split layout) was no faster (three runs as above).
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
    public static float Row(sbyte* w, ushort* scales, int blocks, Q8Activations x, int t, float* ds) =>
        AvxVnni.IsSupported
            ? RowUnsignedWeights(w, scales, x.BlockScales(t), x.BlockSums(t), blocks, x.Token(t).Q, ds)
            : RowSignTrick(w, scales, x.BlockScales(t), blocks, x.Token(t), ds);

    /// <summary>
    /// sum_b d_w[b] d_x[b] ((w_b + 128) . x_b) - 128 sum(x_b) on AvxVnni, ds scratch for a last group's combined scales.
    /// Internal, like <see cref="RowSignTrick"/>, so the tests run both forms on a machine that has AvxVnni.
    /// </summary>
    internal static float RowUnsignedWeights(sbyte* w, ushort* scales, float* dx, float* cx, int blocks, sbyte* x, float* ds)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, correction = default;
        var flip = Vector256.Create((byte)0x80);
        int group = 0;
        for (; group + 8 <= blocks; group += 8, w += 8 * Q8Block.Size, x += 8 * Q8Block.Size)
        {
            var c = Q8Block.CombineEight(scales + group, dx + group);
            correction = Fma.MultiplyAdd(c, Vector256.Load(cx + group), correction);
            PrefetchTwoLines(w);
            a0 = Fma.MultiplyAdd(UnsignedBlockDot(w, x, flip), Lane(c, 0), a0);
            a1 = Fma.MultiplyAdd(UnsignedBlockDot(w + Q8Block.Size, x + Q8Block.Size, flip), Lane(c, 1), a1);
            a2 = Fma.MultiplyAdd(UnsignedBlockDot(w + 2 * Q8Block.Size, x + 2 * Q8Block.Size, flip), Lane(c, 2), a2);
            a3 = Fma.MultiplyAdd(UnsignedBlockDot(w + 3 * Q8Block.Size, x + 3 * Q8Block.Size, flip), Lane(c, 3), a3);
            PrefetchTwoLines(w + 4 * Q8Block.Size);
            a0 = Fma.MultiplyAdd(UnsignedBlockDot(w + 4 * Q8Block.Size, x + 4 * Q8Block.Size, flip), Lane(c, 4), a0);
            a1 = Fma.MultiplyAdd(UnsignedBlockDot(w + 5 * Q8Block.Size, x + 5 * Q8Block.Size, flip), Lane(c, 5), a1);
            a2 = Fma.MultiplyAdd(UnsignedBlockDot(w + 6 * Q8Block.Size, x + 6 * Q8Block.Size, flip), Lane(c, 6), a2);
            a3 = Fma.MultiplyAdd(UnsignedBlockDot(w + 7 * Q8Block.Size, x + 7 * Q8Block.Size, flip), Lane(c, 7), a3);
        }

        float tail = 0;
        if (group < blocks)
        {
            tail = Q8Block.CombineGroup(scales, dx, cx, blocks, group, ds, ref correction);
            for (float* d = ds + group, end = ds + blocks; d < end; d++, w += Q8Block.Size, x += Q8Block.Size)
            {
                a0 = Fma.MultiplyAdd(UnsignedBlockDot(w, x, flip), Vector256.Create(d[0]), a0);
            }
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3)) - (Vector256.Sum(correction) + tail);
    }

    /// <summary>One block: (w + 128) . x in eight int32 lanes (exact: no intermediate saturation in VNNI), as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> UnsignedBlockDot(sbyte* w, sbyte* x, Vector256<byte> flip) =>
        Avx.ConvertToVector256Single(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, Vector256.Load(w).AsByte() ^ flip, Vector256.Load(x)));

    /// <summary>
    /// sum_b d_w[b] d_x[b] (w_b . x_b) by the sign trick (maddubs + madd), stepping pointers instead of indexing from the
    /// block number: the 4864-wide
    /// down projection of the 0.5B sizes, a layer's worth in L3 on two threads, a median 58 against 53 GB/s (Zen 4
    /// without AVX-VNNI, alternated in one process).
    /// </summary>
    internal static float RowSignTrick(sbyte* w, ushort* scales, float* dx, int blocks, Q8Token x, float* ds)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, unused = default;
        var ones = Vector256.Create((short)1);
        sbyte* xq = x.Q;
        byte* xa = x.Abs;
        int group = 0;
        for (; group + 8 <= blocks; group += 8, w += 8 * Q8Block.Size, xq += 8 * Q8Block.Size, xa += 8 * Q8Block.Size)
        {
            var c = Q8Block.CombineEight(scales + group, dx + group);
            PrefetchTwoLines(w);
            a0 = Fma.MultiplyAdd(SignTrickBlockDot(xa, xq, w, ones), Lane(c, 0), a0);
            a1 = Fma.MultiplyAdd(SignTrickBlockDot(xa + Q8Block.Size, xq + Q8Block.Size, w + Q8Block.Size, ones), Lane(c, 1), a1);
            a2 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 2 * Q8Block.Size, xq + 2 * Q8Block.Size, w + 2 * Q8Block.Size, ones), Lane(c, 2), a2);
            a3 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 3 * Q8Block.Size, xq + 3 * Q8Block.Size, w + 3 * Q8Block.Size, ones), Lane(c, 3), a3);
            PrefetchTwoLines(w + 4 * Q8Block.Size);
            a0 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 4 * Q8Block.Size, xq + 4 * Q8Block.Size, w + 4 * Q8Block.Size, ones), Lane(c, 4), a0);
            a1 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 5 * Q8Block.Size, xq + 5 * Q8Block.Size, w + 5 * Q8Block.Size, ones), Lane(c, 5), a1);
            a2 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 6 * Q8Block.Size, xq + 6 * Q8Block.Size, w + 6 * Q8Block.Size, ones), Lane(c, 6), a2);
            a3 = Fma.MultiplyAdd(SignTrickBlockDot(xa + 7 * Q8Block.Size, xq + 7 * Q8Block.Size, w + 7 * Q8Block.Size, ones), Lane(c, 7), a3);
        }

        if (group < blocks)
        {
            Q8Block.CombineGroup(scales, dx, null, blocks, group, ds, ref unused);
            for (float* d = ds + group, end = ds + blocks; d < end; d++, w += Q8Block.Size, xq += Q8Block.Size, xa += Q8Block.Size)
            {
                a0 = Fma.MultiplyAdd(SignTrickBlockDot(xa, xq, w, ones), Vector256.Create(d[0]), a0);
            }
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
    }

    /// <summary>Lane j of v in every lane: the block's combined scale, from the register its group's eight came in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lane(Vector256<float> v, int j) => Avx2.PermuteVar8x32(v, Vector256.Create(j));

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

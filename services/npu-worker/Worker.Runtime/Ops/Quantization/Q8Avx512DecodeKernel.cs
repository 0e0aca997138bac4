using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One Q8_0 weight row x one token on 512-bit vectors, for decode, where the row is read once and must stream at
/// memory speed. The row's combined scales come compact, one float per block (<see cref="Q8Block.CombineScales"/>),
/// not expanded eight times into scratch: sixteen are loaded at once and each pair of blocks takes its two from that
/// vector with one permute. Two blocks per step (sign trick as <see cref="Q8Avx512Kernels"/>), two accumulators; an
/// odd last block runs on 256 bits.
/// </summary>
internal static unsafe class Q8Avx512DecodeKernel
{
    /// <summary>dot(row, x): w the row's quants (blocks x 32), ds its combined scales.</summary>
    public static float Row(sbyte* w, float* ds, int blocks, Q8Token x)
    {
        Vector512<float> a0 = default, a1 = default;
        var two = Vector512.Create(2);
        var first = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        var ones = Vector512.Create((short)1);
        int b = 0;
        for (; b + 16 <= blocks; b += 16)
        {
            var d = Vector512.Load(ds + b);
            var pick = first;
            for (int i = b * Q8Block.Size, end = i + 16 * Q8Block.Size; i < end; i += 4 * Q8Block.Size)
            {
                a0 = Avx512F.FusedMultiplyAdd(BlockDot(x, i, w, ones), Avx512F.PermuteVar16x32(d, pick), a0);
                pick += two;
                a1 = Avx512F.FusedMultiplyAdd(BlockDot(x, i + 2 * Q8Block.Size, w, ones), Avx512F.PermuteVar16x32(d, pick), a1);
                pick += two;
            }
        }

        if (b + 2 <= blocks)
        {
            // Fewer than 16 blocks left: the scales that exist are loaded as a pair-indexed vector one pair at a time.
            for (; b + 2 <= blocks; b += 2)
            {
                var d = Vector512.Create(Vector256.Create(ds[b]), Vector256.Create(ds[b + 1]));
                a0 = Avx512F.FusedMultiplyAdd(BlockDot(x, b * Q8Block.Size, w, ones), d, a0);
            }
        }

        float tail = b < blocks ? OddBlock(x, b * Q8Block.Size, w) * ds[b] : 0;
        return Vector512.Sum(a0 + a1) + tail;
    }

    /// <summary>Blocks at value offset i and i + 32: sixteen int32 sums (eight per block) as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BlockDot(Q8Token x, int i, sbyte* w, Vector512<short> ones)
    {
        var sign = Vector512.Load(x.Sign + i);
        var signedW = (Vector512.Load(w + i) ^ sign) - sign;
        var pairs = Avx512BW.MultiplyAddAdjacent(Vector512.Load(x.Abs + i), signedW);
        return Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(pairs, ones));
    }

    /// <summary>One block's dot product (an exact integer, as fp32) on 256 bits.</summary>
    private static float OddBlock(Q8Token x, int i, sbyte* w)
    {
        var signedW = Avx2.Sign(Vector256.Load(w + i), Vector256.Load(x.Q + i));
        var sums = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(x.Abs + i), signedW), Vector256.Create((short)1));
        return Vector256.Sum(sums);
    }
}

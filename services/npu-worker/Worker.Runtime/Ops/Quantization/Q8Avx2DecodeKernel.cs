using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One Q8_0 weight row x one token on 256-bit vectors, for decode, where the row is read once and must stream at
/// memory speed. The row's scales come combined with the token's, one float per block
/// (<see cref="Q8Block.CombineScales"/>), not expanded eight times into scratch: eight are loaded at once and each
/// block's is broadcast from that vector with one permute. One block per step (sign trick as
/// <see cref="Q8Avx2TileKernels"/>), two accumulators.
/// </summary>
internal static unsafe class Q8Avx2DecodeKernel
{
    /// <summary>dot(row, x): w the row's quants (blocks x 32), ds its combined scales.</summary>
    public static float Row(sbyte* w, float* ds, int blocks, Q8Token x)
    {
        Vector256<float> a0 = default, a1 = default;
        var one = Vector256.Create(1);
        var ones = Vector256.Create((short)1);
        int b = 0;
        for (; b + 8 <= blocks; b += 8)
        {
            var d = Vector256.Load(ds + b);
            var pick = Vector256<int>.Zero;
            for (int i = b * Q8Block.Size, end = i + 8 * Q8Block.Size; i < end; i += 2 * Q8Block.Size)
            {
                a0 = Fma.MultiplyAdd(BlockDot(x, i, w, ones), Avx2.PermuteVar8x32(d, pick), a0);
                pick += one;
                a1 = Fma.MultiplyAdd(BlockDot(x, i + Q8Block.Size, w, ones), Avx2.PermuteVar8x32(d, pick), a1);
                pick += one;
            }
        }

        for (; b < blocks; b++)
        {
            a0 = Fma.MultiplyAdd(BlockDot(x, b * Q8Block.Size, w, ones), Vector256.Create(ds[b]), a0);
        }

        return Vector256.Sum(a0 + a1);
    }

    /// <summary>One block at value offset i: eight int32 sums as fp32 (AvxVnni where the CPU has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDot(Q8Token x, int i, sbyte* w, Vector256<short> ones)
    {
        var signedW = Avx2.Sign(Vector256.Load(w + i), Vector256.Load(x.Q + i));
        var abs = Vector256.Load(x.Abs + i);
        Vector256<int> sums = AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, abs, signedW)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(abs, signedW), ones);
        return Avx.ConvertToVector256Single(sums);
    }
}

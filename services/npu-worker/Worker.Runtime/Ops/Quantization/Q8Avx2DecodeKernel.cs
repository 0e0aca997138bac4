using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// One Q8_0 weight row x one token on 256-bit vectors, for decode, where the row is read once and must stream at
/// memory speed. The row's scales come combined with the token's, one float per block
/// (<see cref="Q8Block.CombineScales"/>), not expanded eight times into scratch: each block's is broadcast straight
/// from memory (a load, or the FMA's own embedded broadcast where the JIT has EVEX), which costs no vector ALU operation.
/// One block per step (sign trick as <see cref="Q8Avx2TileKernels"/>), four accumulators: a row of 896 values is only
/// 28 blocks, so with two the FMA latency chains, not the ALUs, bounded it.
/// </summary>
internal static unsafe class Q8Avx2DecodeKernel
{
    /// <summary>dot(row, x): w the row's quants (blocks x 32), ds its combined scales.</summary>
    public static float Row(sbyte* w, float* ds, int blocks, Q8Token x)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var ones = Vector256.Create((short)1);
        int b = 0;
        for (; b + 4 <= blocks; b += 4)
        {
            int i = b * Q8Block.Size;
            a0 = Fma.MultiplyAdd(BlockDot(x, i, w, ones), Vector256.Create(ds[b]), a0);
            a1 = Fma.MultiplyAdd(BlockDot(x, i + Q8Block.Size, w, ones), Vector256.Create(ds[b + 1]), a1);
            a2 = Fma.MultiplyAdd(BlockDot(x, i + 2 * Q8Block.Size, w, ones), Vector256.Create(ds[b + 2]), a2);
            a3 = Fma.MultiplyAdd(BlockDot(x, i + 3 * Q8Block.Size, w, ones), Vector256.Create(ds[b + 3]), a3);
        }

        for (; b < blocks; b++)
        {
            a0 = Fma.MultiplyAdd(BlockDot(x, b * Q8Block.Size, w, ones), Vector256.Create(ds[b]), a0);
        }

        return Vector256.Sum((a0 + a1) + (a2 + a3));
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

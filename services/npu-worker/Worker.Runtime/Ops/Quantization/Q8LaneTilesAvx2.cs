using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 lane tiles on 256-bit vectors: 4 weight rows x 8 tokens in the int32 lanes, the same scheme as
/// <see cref="Q8LaneTilesAvx512"/> (a broadcast pair of int16 quants of a row, one madd into every token's pair, one
/// convert and FMA per block for all of a row's tokens). 4 rows, because the AVX2 path has 16 vector registers and a
/// row holds two accumulators (the block's int32 sums and the fp32 total).
/// </summary>
internal readonly unsafe struct Q8LaneTilesAvx2 : IQ8LaneTiles
{
    public static int Rows => 4;

    public static int Lanes => 8;

    public static void Tile(short* w, int rowStride, float* dw, int dwStride, int blocks, int* pairs, float* dx, float* result)
    {
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        for (int b = 0; b < blocks; b++)
        {
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            int* xb = pairs + b * Q8TokenLanes.PairsPerBlock * 8;
            short* wb = w + b * Q8Block.Size;
            for (int j = 0; j < Q8TokenLanes.PairsPerBlock; j++)
            {
                var x = Vector256.Load(xb + j * 8).AsInt16();
                short* wj = wb + 2 * j;
                i0 += Avx2.MultiplyAddAdjacent(Vector256.Create(*(int*)wj).AsInt16(), x);
                i1 += Avx2.MultiplyAddAdjacent(Vector256.Create(*(int*)(wj + rowStride)).AsInt16(), x);
                i2 += Avx2.MultiplyAddAdjacent(Vector256.Create(*(int*)(wj + 2 * rowStride)).AsInt16(), x);
                i3 += Avx2.MultiplyAddAdjacent(Vector256.Create(*(int*)(wj + 3 * rowStride)).AsInt16(), x);
            }

            var d = Vector256.Load(dx + b * 8);
            f0 = Fma.MultiplyAdd(Vector256.ConvertToSingle(i0), d * dw[b], f0);
            f1 = Fma.MultiplyAdd(Vector256.ConvertToSingle(i1), d * dw[b + dwStride], f1);
            f2 = Fma.MultiplyAdd(Vector256.ConvertToSingle(i2), d * dw[b + 2 * dwStride], f2);
            f3 = Fma.MultiplyAdd(Vector256.ConvertToSingle(i3), d * dw[b + 3 * dwStride], f3);
        }

        f0.Store(result);
        f1.Store(result + 8);
        f2.Store(result + 16);
        f3.Store(result + 24);
    }

    /// <summary>One sign-extending load per 16 quants (vpmovsxbw with a memory operand).</summary>
    public static void Widen(sbyte* source, short* target, int length)
    {
        for (int i = 0; i < length; i += Q8Block.Size)
        {
            Avx2.ConvertToVector256Int16(Vector128.Load(source + i)).Store(target + i);
            Avx2.ConvertToVector256Int16(Vector128.Load(source + i + 16)).Store(target + i + 16);
        }
    }
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 lane tiles on 256-bit vectors: 4 weight rows x 8 tokens in the int32 lanes, the same scheme as
/// <see cref="Q8LaneTilesAvx512"/> (a broadcast pair of int16 quants of a row, one madd into every token's pair, one
/// convert and FMA per block for all of a row's tokens), or 4 rows x two groups of 8 (<see cref="TileTwoGroups"/>).
/// 4 rows, because the AVX2 path has 16 vector registers and a row holds two accumulators (the block's int32 sums and
/// the fp32 total).
/// </summary>
internal readonly unsafe struct Q8LaneTilesAvx2 : IQ8LaneTiles
{
    public static int Rows => 4;

    public static int Lanes => 8;

    /// <summary>Two: <see cref="TileTwoGroups"/> shares each broadcast between two groups of 8 tokens.</summary>
    public static int GroupsPerPass => 2;

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

    /// <summary>
    /// Two groups: 4 rows x 16 tokens, the int32 sums of a block in 8 registers, the fp32 totals in the result rows (one
    /// load and store per row and block; with them in registers too the 16 registers would spill). Each broadcast feeds
    /// two madds, so a product costs half the broadcasts of <see cref="Tile"/>, which bound it: in L1 on the Zen 5
    /// (AVX2 code, one thread) 64-69 GMAC/s against 45-52 for two calls of <see cref="Tile"/>.
    /// </summary>
    public static void TileTwoGroups(short* w, int rowStride, float* dw, int dwStride, int blocks, int* pairs, float* dx, int* pairsB, float* dxB,
        float* result, float* resultB)
    {
        for (int i = 0; i < Rows * Lanes; i += 8)
        {
            Vector256<float>.Zero.Store(result + i);
            Vector256<float>.Zero.Store(resultB + i);
        }

        for (int b = 0; b < blocks; b++)
        {
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
            int* xb = pairs + b * Q8TokenLanes.PairsPerBlock * 8;
            int* yb = pairsB + b * Q8TokenLanes.PairsPerBlock * 8;
            short* wb = w + b * Q8Block.Size;
            for (int j = 0; j < Q8TokenLanes.PairsPerBlock; j++)
            {
                var x = Vector256.Load(xb + j * 8).AsInt16();
                var y = Vector256.Load(yb + j * 8).AsInt16();
                short* wj = wb + 2 * j;
                var q = Vector256.Create(*(int*)wj).AsInt16();
                i0 += Avx2.MultiplyAddAdjacent(q, x);
                j0 += Avx2.MultiplyAddAdjacent(q, y);
                q = Vector256.Create(*(int*)(wj + rowStride)).AsInt16();
                i1 += Avx2.MultiplyAddAdjacent(q, x);
                j1 += Avx2.MultiplyAddAdjacent(q, y);
                q = Vector256.Create(*(int*)(wj + 2 * rowStride)).AsInt16();
                i2 += Avx2.MultiplyAddAdjacent(q, x);
                j2 += Avx2.MultiplyAddAdjacent(q, y);
                q = Vector256.Create(*(int*)(wj + 3 * rowStride)).AsInt16();
                i3 += Avx2.MultiplyAddAdjacent(q, x);
                j3 += Avx2.MultiplyAddAdjacent(q, y);
            }

            var d = Vector256.Load(dx + b * 8);
            var e = Vector256.Load(dxB + b * 8);
            Accumulate(result, i0, d * dw[b]);
            Accumulate(result + 8, i1, d * dw[b + dwStride]);
            Accumulate(result + 16, i2, d * dw[b + 2 * dwStride]);
            Accumulate(result + 24, i3, d * dw[b + 3 * dwStride]);
            Accumulate(resultB, j0, e * dw[b]);
            Accumulate(resultB + 8, j1, e * dw[b + dwStride]);
            Accumulate(resultB + 16, j2, e * dw[b + 2 * dwStride]);
            Accumulate(resultB + 24, j3, e * dw[b + 3 * dwStride]);
        }
    }

    /// <summary>total += sums * scale, total in memory.</summary>
    private static void Accumulate(float* total, Vector256<int> sums, Vector256<float> scale) =>
        Fma.MultiplyAdd(Vector256.ConvertToSingle(sums), scale, Vector256.Load(total)).Store(total);

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

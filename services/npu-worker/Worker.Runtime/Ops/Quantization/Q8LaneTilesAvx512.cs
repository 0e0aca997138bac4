using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 lane tiles on 512-bit vectors for prefill and batched decode: 8 weight rows x 16 tokens, the tokens
/// in the int32 lanes (<see cref="Q8TokenLanes"/>). Each step broadcasts one row's next two quants (widened to int16
/// once per band) and multiplies them into all 16 tokens' pairs with one madd (vpmaddwd: 32 products, summed in
/// pairs, exact in int32), so a block of 32 values is 16 madds into one int32 accumulator per row, and its scale is one
/// convert and one FMA for 16 (row, token) outputs at once: d_x of the 16 tokens times the row's d_w. Without VNNI
/// (which .NET 10 does not expose on AVX-512 machines) this is the fewest operations per product found: the
/// row-major 4 x 2 tiles (<see cref="Q8Avx2TileKernels"/>) pay a sign fix, two multiplies and a convert and FMA per
/// block for every single (row, token). Measured single-threaded on Zen 4, [4864, 896] x 128 tokens: 77 GFLOP/s
/// there against 126-132 here (BF16 tiles: 100). Sharing each broadcast between two token groups (8 rows x 32
/// tokens, as <see cref="Q8ByteLaneTilesAvx2"/> does) made a 128-token prefill of the 0.5B sizes 6% slower on the
/// Zen 5 (alternated in one process), where the 512-bit broadcasts are not what bounds the tile.
/// </summary>
internal static unsafe class Q8LaneTilesAvx512
{
    /// <summary>Weight rows of a tile.</summary>
    public const int Rows = 8;

    /// <summary>Tokens of a group: int32 lanes of a 512-bit vector.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// result[r * 16 + l] = dot(row r, token lane l): w the rows' quants widened to int16 (rows rowStride values apart),
    /// dw their block scales as floats (rows dwStride apart), pairs and dx the token group's
    /// (<see cref="Q8TokenLanes.Pairs"/>, <see cref="Q8TokenLanes.Scales"/>). Meanwhile prefetches prefetchLines cache
    /// lines from prefetch on into L2, spread evenly over the blocks.
    /// </summary>
    public static void Tile(short* w, int rowStride, float* dw, int dwStride, int blocks, int* pairs, float* dx, float* result, byte* prefetch, int prefetchLines)
    {
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
        int owed = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (owed += prefetchLines; owed >= blocks; owed -= blocks, prefetch += CacheLine.Bytes)
            {
                Sse.Prefetch1(prefetch);
            }

            Vector512<int> i0 = default, i1 = default, i2 = default, i3 = default, i4 = default, i5 = default, i6 = default, i7 = default;
            int* xb = pairs + b * Q8TokenLanes.PairsPerBlock * 16;
            short* wb = w + b * Q8Block.Size;
            for (int j = 0; j < Q8TokenLanes.PairsPerBlock; j++)
            {
                var x = Vector512.Load(xb + j * 16).AsInt16();
                short* wj = wb + 2 * j;
                i0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)wj).AsInt16(), x);
                i1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + rowStride)).AsInt16(), x);
                i2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 2 * rowStride)).AsInt16(), x);
                i3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 3 * rowStride)).AsInt16(), x);
                i4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 4 * rowStride)).AsInt16(), x);
                i5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 5 * rowStride)).AsInt16(), x);
                i6 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 6 * rowStride)).AsInt16(), x);
                i7 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(wj + 7 * rowStride)).AsInt16(), x);
            }

            var d = Vector512.Load(dx + b * 16);
            f0 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i0), d * dw[b], f0);
            f1 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i1), d * dw[b + dwStride], f1);
            f2 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i2), d * dw[b + 2 * dwStride], f2);
            f3 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i3), d * dw[b + 3 * dwStride], f3);
            f4 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i4), d * dw[b + 4 * dwStride], f4);
            f5 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i5), d * dw[b + 5 * dwStride], f5);
            f6 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i6), d * dw[b + 6 * dwStride], f6);
            f7 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(i7), d * dw[b + 7 * dwStride], f7);
        }

        f0.Store(result);
        f1.Store(result + 16);
        f2.Store(result + 32);
        f3.Store(result + 48);
        f4.Store(result + 64);
        f5.Store(result + 80);
        f6.Store(result + 96);
        f7.Store(result + 112);
    }

    /// <summary>target[i] = source[i] for i &lt; length (a multiple of 32): one sign-extending load per 32 quants (vpmovsxbw with a memory operand).</summary>
    public static void Widen(sbyte* source, short* target, int length)
    {
        for (int i = 0; i < length; i += Q8Block.Size)
        {
            Avx512BW.ConvertToVector512Int16(Vector256.Load(source + i)).Store(target + i);
        }
    }
}

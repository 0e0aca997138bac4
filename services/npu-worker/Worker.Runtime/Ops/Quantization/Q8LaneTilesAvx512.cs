using System.Runtime.CompilerServices;
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
    /// result[r * 16 + l] = dot(row r, token lane l): tile the rows' quants widened to int16 and dw their block scales,
    /// both packed by <see cref="Q8WideBand.Load"/> (block by block, the 8 rows' 32 quants and 8 scales one after another),
    /// pairs and dx the token group's (<see cref="Q8TokenLanes.Pairs"/>, <see cref="Q8TokenLanes.Scales"/>). Meanwhile
    /// prefetches prefetchLines cache lines from prefetch on into L2, spread evenly over the blocks.
    /// A block's 16 steps are written out and read the packed tile at fixed offsets, so the loop holds only the loads,
    /// broadcasts and products: with the rows read where they lay (eight row strides, four of them reloaded from the
    /// stack every step) the JIT emitted about 37 instructions a step for 25 vector ones. On the Zen 5, one thread over
    /// an L2 band (alternated in one process, six rounds each): 171-175 against 144-147 GMAC/s (k = 896 and 4864).
    /// </summary>
    public static void Tile(short* tile, float* dw, int blocks, int* pairs, float* dx, float* result, byte* prefetch, int prefetchLines)
    {
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
        int owed = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (owed += prefetchLines; owed >= blocks; owed -= blocks, prefetch += CacheLine.Bytes)
            {
                Sse.Prefetch1(prefetch);
            }

            var sums = new Sums();
            Step(0, tile, pairs, ref sums);
            Step(1, tile, pairs, ref sums);
            Step(2, tile, pairs, ref sums);
            Step(3, tile, pairs, ref sums);
            Step(4, tile, pairs, ref sums);
            Step(5, tile, pairs, ref sums);
            Step(6, tile, pairs, ref sums);
            Step(7, tile, pairs, ref sums);
            Step(8, tile, pairs, ref sums);
            Step(9, tile, pairs, ref sums);
            Step(10, tile, pairs, ref sums);
            Step(11, tile, pairs, ref sums);
            Step(12, tile, pairs, ref sums);
            Step(13, tile, pairs, ref sums);
            Step(14, tile, pairs, ref sums);
            Step(15, tile, pairs, ref sums);

            var d = Vector512.Load(dx + b * Lanes);
            f0 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S0), d * dw[0], f0);
            f1 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S1), d * dw[1], f1);
            f2 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S2), d * dw[2], f2);
            f3 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S3), d * dw[3], f3);
            f4 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S4), d * dw[4], f4);
            f5 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S5), d * dw[5], f5);
            f6 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S6), d * dw[6], f6);
            f7 = Avx512F.FusedMultiplyAdd(Vector512.ConvertToSingle(sums.S7), d * dw[7], f7);
            tile += Rows * Q8Block.Size;
            dw += Rows;
            pairs += Q8TokenLanes.PairsPerBlock * Lanes;
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

    /// <summary>Pair j of the block: each row's two quants broadcast and multiplied into the 16 tokens' pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(int j, short* tile, int* pairs, ref Sums sums)
    {
        var x = Vector512.Load(pairs + j * Lanes).AsInt16();
        short* p = tile + 2 * j;
        sums.S0 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)p).AsInt16(), x);
        sums.S1 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + Q8Block.Size)).AsInt16(), x);
        sums.S2 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 2 * Q8Block.Size)).AsInt16(), x);
        sums.S3 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 3 * Q8Block.Size)).AsInt16(), x);
        sums.S4 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 4 * Q8Block.Size)).AsInt16(), x);
        sums.S5 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 5 * Q8Block.Size)).AsInt16(), x);
        sums.S6 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 6 * Q8Block.Size)).AsInt16(), x);
        sums.S7 += Avx512BW.MultiplyAddAdjacent(Vector512.Create(*(int*)(p + 7 * Q8Block.Size)).AsInt16(), x);
    }

    /// <summary>A block's int32 sums, one vector of the 16 tokens per row.</summary>
    private struct Sums
    {
        public Vector512<int> S0, S1, S2, S3, S4, S5, S6, S7;
    }

    /// <summary>
    /// A row's quants widened block by block: block b's 32 quants to target + b * targetStride (one sign-extending load
    /// per block, vpmovsxbw with a memory operand).
    /// </summary>
    public static void WidenBlocks(sbyte* source, short* target, int blocks, int targetStride)
    {
        for (int b = 0; b < blocks; b++)
        {
            Avx512BW.ConvertToVector512Int16(Vector256.Load(source + b * Q8Block.Size)).Store(target + (long)b * targetStride);
        }
    }
}

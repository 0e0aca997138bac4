using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 lane tiles on 256-bit vectors that read the weights' int8 quants where they lie, with no int16 band:
/// 4 rows x two groups of 8 tokens (<see cref="Q8TokenLanes"/> in its quad layout: each int32 lane holds four of a
/// token's quants, and the same four as magnitudes). A step broadcasts four quants of a row and, per group, applies the
/// tokens' signs to them (vpsignb), multiplies the magnitudes in (maddubs: unsigned x signed bytes, pairs summed to
/// int16, at most 2 * 127 * 127, no saturation) and sums the pairs to int32 (madd with ones): 32 products per
/// broadcast and group.
/// </summary>
internal static unsafe class Q8ByteLaneTilesAvx2
{
    public const int Rows = 4;

    public const int Lanes = 8;

    /// <summary>
    /// result[r * 8 + l] and resultB[r * 8 + l] = dot(row r, token lane l) of groups a and b: w row 0's quants (rows
    /// rowStride bytes apart), dw the rows' block scales (dwStride apart), quads/dx the groups' (<see cref="Q8TokenLanes.Quads"/>).
    /// TGroups 1: group a only (quadsB, dxB and resultB unused). Meanwhile prefetches prefetchLines cache lines from
    /// prefetch on into L2, spread evenly over the blocks.
    /// The group count is a type argument and a block's eight steps are written out, so the loop holds only the
    /// broadcasts, loads and products: with the count tested at every row of every step and the quads indexed, the JIT
    /// emitted about 58 instructions a step for 32 vector operations, more than a 6-wide core (Zen 3, Zen 4)
    /// dispatches in the cycles the products take; now 40. On the Zen 5 with AVX-512 disabled, one thread over an L2
    /// band (alternated in one process, six rounds each): 82-92 against 82-88 GMAC/s (k = 896), 84-89 against 75-85
    /// (k = 4864).
    /// </summary>
    public static void Tile<TGroups>(sbyte* w, long rowStride, float* dw, int dwStride, int blocks, int* quads, float* dx, int* quadsB, float* dxB,
        float* result, float* resultB, byte* prefetch, int prefetchLines)
        where TGroups : struct, ITileCount
    {
        bool two = TGroups.Value == 2;
        for (int i = 0; i < Rows * Lanes; i += 8)
        {
            Vector256<float>.Zero.Store(result + i);
            if (two)
            {
                Vector256<float>.Zero.Store(resultB + i);
            }
        }

        var ones = Vector256.Create((short)1);
        var rows = new RowPointers(w, rowStride);
        float* dw1 = dw + dwStride, dw2 = dw1 + dwStride, dw3 = dw2 + dwStride;
        int owed = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (owed += prefetchLines; owed >= blocks; owed -= blocks, prefetch += CacheLine.Bytes)
            {
                Sse.Prefetch1(prefetch);
            }

            var sums = default(Sums);
            Step<TGroups>(0, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(1, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(2, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(3, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(4, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(5, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(6, rows, quads, quadsB, ones, ref sums);
            Step<TGroups>(7, rows, quads, quadsB, ones, ref sums);

            var d = Vector256.Load(dx + b * Lanes);
            Accumulate(result, sums.A0, d * dw[b]);
            Accumulate(result + 8, sums.A1, d * dw1[b]);
            Accumulate(result + 16, sums.A2, d * dw2[b]);
            Accumulate(result + 24, sums.A3, d * dw3[b]);
            if (two)
            {
                var e = Vector256.Load(dxB + b * Lanes);
                Accumulate(resultB, sums.B0, e * dw[b]);
                Accumulate(resultB + 8, sums.B1, e * dw1[b]);
                Accumulate(resultB + 16, sums.B2, e * dw2[b]);
                Accumulate(resultB + 24, sums.B3, e * dw3[b]);
                quadsB += Q8TokenLanes.PairsPerBlock * Lanes;
            }

            quads += Q8TokenLanes.PairsPerBlock * Lanes;
            rows = rows.Next();
        }
    }

    /// <summary>The tile's four rows at the current block.</summary>
    private readonly struct RowPointers
    {
        public readonly sbyte* R0, R1, R2, R3;

        public RowPointers(sbyte* row0, long rowStride)
            : this(row0, row0 + rowStride, row0 + 2 * rowStride, row0 + 3 * rowStride)
        {
        }

        private RowPointers(sbyte* r0, sbyte* r1, sbyte* r2, sbyte* r3)
        {
            R0 = r0;
            R1 = r1;
            R2 = r2;
            R3 = r3;
        }

        public RowPointers Next() => new(R0 + Q8Block.Size, R1 + Q8Block.Size, R2 + Q8Block.Size, R3 + Q8Block.Size);
    }

    /// <summary>A block's int32 sums: rows 0-3 of group a, then of group b.</summary>
    private struct Sums
    {
        public Vector256<int> A0, A1, A2, A3, B0, B1, B2, B3;
    }

    /// <summary>
    /// Quad j of the block: the four rows' quants broadcast, each into group a's sums and, with two groups, group b's
    /// (x the group's quants, ax their magnitudes, <see cref="Q8TokenLanes.Quads"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TGroups>(int j, RowPointers rows, int* xa, int* xb, Vector256<short> ones, ref Sums sums)
        where TGroups : struct, ITileCount
    {
        var x = Vector256.Load(xa + j * Lanes).AsSByte();
        var ax = Vector256.Load(xa + (Q8TokenLanes.QuadsPerBlock + j) * Lanes).AsByte();
        var q0 = Vector256.Create(*(int*)(rows.R0 + 4 * j)).AsSByte();
        var q1 = Vector256.Create(*(int*)(rows.R1 + 4 * j)).AsSByte();
        var q2 = Vector256.Create(*(int*)(rows.R2 + 4 * j)).AsSByte();
        var q3 = Vector256.Create(*(int*)(rows.R3 + 4 * j)).AsSByte();
        sums.A0 += Quad(q0, x, ax, ones);
        sums.A1 += Quad(q1, x, ax, ones);
        sums.A2 += Quad(q2, x, ax, ones);
        sums.A3 += Quad(q3, x, ax, ones);
        if (TGroups.Value == 2)
        {
            var y = Vector256.Load(xb + j * Lanes).AsSByte();
            var ay = Vector256.Load(xb + (Q8TokenLanes.QuadsPerBlock + j) * Lanes).AsByte();
            sums.B0 += Quad(q0, y, ay, ones);
            sums.B1 += Quad(q1, y, ay, ones);
            sums.B2 += Quad(q2, y, ay, ones);
            sums.B3 += Quad(q3, y, ay, ones);
        }
    }

    /// <summary>Each lane's four products of the broadcast quants q with the token's x (|x| given), summed to int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quad(Vector256<sbyte> q, Vector256<sbyte> x, Vector256<byte> absX, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(absX, Avx2.Sign(q, x)), ones);

    /// <summary>total += sums * scale, total in memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(float* total, Vector256<int> sums, Vector256<float> scale) =>
        Fma.MultiplyAdd(Vector256.ConvertToSingle(sums), scale, Vector256.Load(total)).Store(total);
}

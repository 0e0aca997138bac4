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
    /// quadsB null: group a only. Meanwhile prefetches prefetchLines cache lines from prefetch on into L2, spread evenly
    /// over the blocks.
    /// </summary>
    public static void Tile(sbyte* w, long rowStride, float* dw, int dwStride, int blocks, int* quads, float* dx, int* quadsB, float* dxB,
        float* result, float* resultB, byte* prefetch, int prefetchLines)
    {
        bool two = quadsB != null;
        for (int i = 0; i < Rows * Lanes; i += 8)
        {
            Vector256<float>.Zero.Store(result + i);
            if (two)
            {
                Vector256<float>.Zero.Store(resultB + i);
            }
        }

        var ones = Vector256.Create((short)1);
        sbyte* w1 = w + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride;
        int owed = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (owed += prefetchLines; owed >= blocks; owed -= blocks, prefetch += CacheLine.Bytes)
            {
                Sse.Prefetch1(prefetch);
            }

            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            Vector256<int> j0 = default, j1 = default, j2 = default, j3 = default;
            int* xa = quads + b * Q8TokenLanes.PairsPerBlock * Lanes;
            int* xb = two ? quadsB + b * Q8TokenLanes.PairsPerBlock * Lanes : null;
            int o = b * Q8Block.Size;
            for (int j = 0; j < Q8TokenLanes.QuadsPerBlock; j++, o += 4)
            {
                var x = Vector256.Load(xa + j * Lanes).AsSByte();
                var ax = Vector256.Load(xa + (Q8TokenLanes.QuadsPerBlock + j) * Lanes).AsByte();
                Vector256<sbyte> y = default;
                Vector256<byte> ay = default;
                if (two)
                {
                    y = Vector256.Load(xb + j * Lanes).AsSByte();
                    ay = Vector256.Load(xb + (Q8TokenLanes.QuadsPerBlock + j) * Lanes).AsByte();
                }

                RowStep(w + o, x, ax, y, ay, two, ones, ref i0, ref j0);
                RowStep(w1 + o, x, ax, y, ay, two, ones, ref i1, ref j1);
                RowStep(w2 + o, x, ax, y, ay, two, ones, ref i2, ref j2);
                RowStep(w3 + o, x, ax, y, ay, two, ones, ref i3, ref j3);
            }

            var d = Vector256.Load(dx + b * Lanes);
            Accumulate(result, i0, d * dw[b]);
            Accumulate(result + 8, i1, d * dw[b + dwStride]);
            Accumulate(result + 16, i2, d * dw[b + 2 * dwStride]);
            Accumulate(result + 24, i3, d * dw[b + 3 * dwStride]);
            if (two)
            {
                var e = Vector256.Load(dxB + b * Lanes);
                Accumulate(resultB, j0, e * dw[b]);
                Accumulate(resultB + 8, j1, e * dw[b + dwStride]);
                Accumulate(resultB + 16, j2, e * dw[b + 2 * dwStride]);
                Accumulate(resultB + 24, j3, e * dw[b + 3 * dwStride]);
            }
        }
    }

    /// <summary>One row's step: its next four quants broadcast, into group a's sums and, with two groups, group b's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowStep(sbyte* row, Vector256<sbyte> x, Vector256<byte> absX, Vector256<sbyte> y, Vector256<byte> absY, bool two,
        Vector256<short> ones, ref Vector256<int> sumA, ref Vector256<int> sumB)
    {
        var q = Vector256.Create(*(int*)row).AsSByte();
        sumA += Quad(q, x, absX, ones);
        if (two)
        {
            sumB += Quad(q, y, absY, ones);
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

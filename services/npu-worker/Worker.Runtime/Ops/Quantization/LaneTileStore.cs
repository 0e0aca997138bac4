using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Writes a lane tile's results (<see cref="Q8LaneTilesAvx512"/>, <see cref="Q8ByteLaneTilesAvx2"/>: row i, token lane l at tile[i * lanes + l]) into the
/// token-major output (y[l * yStride + i]) by transposing in registers, a whole token's rows per store, instead of one
/// scalar store per (row, token). The scalar scatter was 7.5% of the samples of a 16-sequence Q8_0 bench-model run
/// beside the tiles' 38%; the 0.5B 16-sequence Q8_0 decode step, the two alternated step by step in one process
/// (Zen 5, two threads, 100-120 steps, two runs each), took 4.4-6.8% less time on the AVX-512 path (8 x 16 tiles)
/// and 2.4-2.6% less on the AVX2 path (4 x 8 tiles).
/// </summary>
internal static unsafe class LaneTileStore
{
    /// <summary>Eight rows x tokens (up to the tile's lanes): 8 x 8 transposes on 256-bit vectors.</summary>
    public static void Rows8(float* tile, int lanes, int tokens, float* y, long yStride)
    {
        for (int l0 = 0; l0 < tokens; l0 += 8)
        {
            float* t = tile + l0;
            Transpose8x8.Store(t, t + lanes, t + 2 * lanes, t + 3 * lanes, t + 4 * lanes, t + 5 * lanes, t + 6 * lanes, t + 7 * lanes,
                y + l0 * yStride, yStride, Math.Min(8, tokens - l0));
        }
    }

    /// <summary>Four rows x tokens (up to the tile's lanes): 4 x 4 transposes on 128-bit vectors.</summary>
    public static void Rows4(float* tile, int lanes, int tokens, float* y, long yStride)
    {
        for (int l0 = 0; l0 < tokens; l0 += 4)
        {
            float* t = tile + l0;
            var t0 = Sse.UnpackLow(Vector128.Load(t), Vector128.Load(t + lanes));
            var t1 = Sse.UnpackHigh(Vector128.Load(t), Vector128.Load(t + lanes));
            var t2 = Sse.UnpackLow(Vector128.Load(t + 2 * lanes), Vector128.Load(t + 3 * lanes));
            var t3 = Sse.UnpackHigh(Vector128.Load(t + 2 * lanes), Vector128.Load(t + 3 * lanes));
            int count = Math.Min(4, tokens - l0);
            float* yl = y + l0 * yStride;
            Sse.MoveLowToHigh(t0, t2).Store(yl);
            if (count > 1) Sse.MoveHighToLow(t2, t0).Store(yl + yStride);
            if (count > 2) Sse.MoveLowToHigh(t1, t3).Store(yl + 2 * yStride);
            if (count > 3) Sse.MoveHighToLow(t3, t1).Store(yl + 3 * yStride);
        }
    }
}

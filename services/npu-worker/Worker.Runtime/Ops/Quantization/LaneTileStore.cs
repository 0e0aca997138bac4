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
            var t0 = Avx.UnpackLow(Vector256.Load(t), Vector256.Load(t + lanes));
            var t1 = Avx.UnpackHigh(Vector256.Load(t), Vector256.Load(t + lanes));
            var t2 = Avx.UnpackLow(Vector256.Load(t + 2 * lanes), Vector256.Load(t + 3 * lanes));
            var t3 = Avx.UnpackHigh(Vector256.Load(t + 2 * lanes), Vector256.Load(t + 3 * lanes));
            var t4 = Avx.UnpackLow(Vector256.Load(t + 4 * lanes), Vector256.Load(t + 5 * lanes));
            var t5 = Avx.UnpackHigh(Vector256.Load(t + 4 * lanes), Vector256.Load(t + 5 * lanes));
            var t6 = Avx.UnpackLow(Vector256.Load(t + 6 * lanes), Vector256.Load(t + 7 * lanes));
            var t7 = Avx.UnpackHigh(Vector256.Load(t + 6 * lanes), Vector256.Load(t + 7 * lanes));

            // s0 holds lanes 0 and 4 of rows 0-3, s1 lanes 1 and 5, s2 lanes 2 and 6, s3 lanes 3 and 7; s4-s7 rows 4-7.
            var s0 = Avx.Shuffle(t0, t2, 0x44);
            var s1 = Avx.Shuffle(t0, t2, 0xEE);
            var s2 = Avx.Shuffle(t1, t3, 0x44);
            var s3 = Avx.Shuffle(t1, t3, 0xEE);
            var s4 = Avx.Shuffle(t4, t6, 0x44);
            var s5 = Avx.Shuffle(t4, t6, 0xEE);
            var s6 = Avx.Shuffle(t5, t7, 0x44);
            var s7 = Avx.Shuffle(t5, t7, 0xEE);

            int count = Math.Min(8, tokens - l0);
            float* yl = y + l0 * yStride;
            Avx.Permute2x128(s0, s4, 0x20).Store(yl);
            if (count > 1) Avx.Permute2x128(s1, s5, 0x20).Store(yl + yStride);
            if (count > 2) Avx.Permute2x128(s2, s6, 0x20).Store(yl + 2 * yStride);
            if (count > 3) Avx.Permute2x128(s3, s7, 0x20).Store(yl + 3 * yStride);
            if (count > 4) Avx.Permute2x128(s0, s4, 0x31).Store(yl + 4 * yStride);
            if (count > 5) Avx.Permute2x128(s1, s5, 0x31).Store(yl + 5 * yStride);
            if (count > 6) Avx.Permute2x128(s2, s6, 0x31).Store(yl + 6 * yStride);
            if (count > 7) Avx.Permute2x128(s3, s7, 0x31).Store(yl + 7 * yStride);
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

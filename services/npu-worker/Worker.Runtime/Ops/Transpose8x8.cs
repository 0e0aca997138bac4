using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops;

/// <summary>
/// 8 x 8 transposes of fp32 values on 256-bit vectors, in registers: unpacks pair the rows, shuffles gather four rows'
/// values of two columns into each half, lane permutes join the halves (24 shuffles for 64 values).
/// </summary>
internal static unsafe class Transpose8x8
{
    /// <summary>
    /// Reads rows r0..r7 (8 values each) and writes their first <paramref name="columns"/> columns (1..8), column j
    /// (r0[j], ..., r7[j]) at destination + j * destinationStride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* r0, float* r1, float* r2, float* r3, float* r4, float* r5, float* r6, float* r7,
        float* destination, long destinationStride, int columns)
    {
        var t0 = Avx.UnpackLow(Vector256.Load(r0), Vector256.Load(r1));
        var t1 = Avx.UnpackHigh(Vector256.Load(r0), Vector256.Load(r1));
        var t2 = Avx.UnpackLow(Vector256.Load(r2), Vector256.Load(r3));
        var t3 = Avx.UnpackHigh(Vector256.Load(r2), Vector256.Load(r3));
        var t4 = Avx.UnpackLow(Vector256.Load(r4), Vector256.Load(r5));
        var t5 = Avx.UnpackHigh(Vector256.Load(r4), Vector256.Load(r5));
        var t6 = Avx.UnpackLow(Vector256.Load(r6), Vector256.Load(r7));
        var t7 = Avx.UnpackHigh(Vector256.Load(r6), Vector256.Load(r7));

        // s0 holds columns 0 and 4 of rows 0-3, s1 columns 1 and 5, s2 columns 2 and 6, s3 columns 3 and 7; s4-s7 rows 4-7.
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(s0, s4, 0x20).Store(destination);
        if (columns > 1)
        {
            Avx.Permute2x128(s1, s5, 0x20).Store(destination + destinationStride);
        }

        if (columns > 2)
        {
            Avx.Permute2x128(s2, s6, 0x20).Store(destination + 2 * destinationStride);
        }

        if (columns > 3)
        {
            Avx.Permute2x128(s3, s7, 0x20).Store(destination + 3 * destinationStride);
        }

        if (columns > 4)
        {
            Avx.Permute2x128(s0, s4, 0x31).Store(destination + 4 * destinationStride);
        }

        if (columns > 5)
        {
            Avx.Permute2x128(s1, s5, 0x31).Store(destination + 5 * destinationStride);
        }

        if (columns > 6)
        {
            Avx.Permute2x128(s2, s6, 0x31).Store(destination + 6 * destinationStride);
        }

        if (columns > 7)
        {
            Avx.Permute2x128(s3, s7, 0x31).Store(destination + 7 * destinationStride);
        }
    }
}

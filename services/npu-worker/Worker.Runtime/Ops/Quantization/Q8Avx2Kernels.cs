using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 dot products on 256-bit vectors, one block per vector, ggml's sign trick: maddubs multiplies unsigned
/// by signed bytes, so it gets |x| and w * sign(x) (the products are unchanged); madd with ones sums pairs into eight
/// int32 lanes (exact: |sum| &lt;= 2 * 127 * 127 per int16 lane), then one FMA per block applies d_w * d_x.
/// AvxVnni, where the CPU has it, replaces maddubs + madd with one instruction. Row scales come expanded
/// (<see cref="Q8Block.ExpandScales"/>); rows are <c>kp</c> bytes apart.
/// </summary>
internal static unsafe class Q8Avx2Kernels
{
    /// <summary>Four weight rows x one token: y[0..4) = dot(row r, x) over the first <paramref name="length"/> values.</summary>
    public static void Rows4x1(sbyte* w0, int kp, float* scales0, int scaleStride, Q8Token x, float* y, int length)
    {
        sbyte* w1 = w0 + kp, w2 = w1 + kp, w3 = w2 + kp;
        float* s1 = scales0 + scaleStride, s2 = s1 + scaleStride, s3 = s2 + scaleStride;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0, s = 0; i < length; i += Q8Block.Size, s += 8)
        {
            var abs = Vector256.Load(x.Abs + i);
            var q = Vector256.Load(x.Q + i);
            var dx = Vector256.Load(x.Scales + s);
            a0 = Fma.MultiplyAdd(BlockDot(abs, q, w0 + i), Vector256.Load(scales0 + s) * dx, a0);
            a1 = Fma.MultiplyAdd(BlockDot(abs, q, w1 + i), Vector256.Load(s1 + s) * dx, a1);
            a2 = Fma.MultiplyAdd(BlockDot(abs, q, w2 + i), Vector256.Load(s2 + s) * dx, a2);
            a3 = Fma.MultiplyAdd(BlockDot(abs, q, w3 + i), Vector256.Load(s3 + s) * dx, a3);
        }

        y[0] = Vector256.Sum(a0);
        y[1] = Vector256.Sum(a1);
        y[2] = Vector256.Sum(a2);
        y[3] = Vector256.Sum(a3);
    }

    /// <summary>
    /// Four weight rows x two tokens (prefill and batched decode): each weight block and its scale is loaded once
    /// for both tokens; eight accumulators, two tokens' |x| and x stay in registers.
    /// </summary>
    public static void Rows4x2(sbyte* w0, int kp, float* scales0, int scaleStride, Q8Token x0, Q8Token x1, float* y, int yStride)
    {
        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default;
        for (int i = 0, s = 0; i < kp; i += Q8Block.Size, s += 8)
        {
            var abs0 = Vector256.Load(x0.Abs + i);
            var q0 = Vector256.Load(x0.Q + i);
            var abs1 = Vector256.Load(x1.Abs + i);
            var q1 = Vector256.Load(x1.Q + i);
            var dx0 = Vector256.Load(x0.Scales + s);
            var dx1 = Vector256.Load(x1.Scales + s);
            sbyte* w = w0 + i;
            float* sc = scales0 + s;
            var d = Vector256.Load(sc);
            a00 = Fma.MultiplyAdd(BlockDot(abs0, q0, w), d * dx0, a00);
            a01 = Fma.MultiplyAdd(BlockDot(abs1, q1, w), d * dx1, a01);
            d = Vector256.Load(sc + scaleStride);
            a10 = Fma.MultiplyAdd(BlockDot(abs0, q0, w + kp), d * dx0, a10);
            a11 = Fma.MultiplyAdd(BlockDot(abs1, q1, w + kp), d * dx1, a11);
            d = Vector256.Load(sc + 2 * scaleStride);
            a20 = Fma.MultiplyAdd(BlockDot(abs0, q0, w + 2 * kp), d * dx0, a20);
            a21 = Fma.MultiplyAdd(BlockDot(abs1, q1, w + 2 * kp), d * dx1, a21);
            d = Vector256.Load(sc + 3 * scaleStride);
            a30 = Fma.MultiplyAdd(BlockDot(abs0, q0, w + 3 * kp), d * dx0, a30);
            a31 = Fma.MultiplyAdd(BlockDot(abs1, q1, w + 3 * kp), d * dx1, a31);
        }

        y[0] = Vector256.Sum(a00);
        y[1] = Vector256.Sum(a10);
        y[2] = Vector256.Sum(a20);
        y[3] = Vector256.Sum(a30);
        y[yStride] = Vector256.Sum(a01);
        y[yStride + 1] = Vector256.Sum(a11);
        y[yStride + 2] = Vector256.Sum(a21);
        y[yStride + 3] = Vector256.Sum(a31);
    }

    /// <summary>One weight row x one token (row remainders).</summary>
    public static float Row1x1(sbyte* w, int kp, float* scales, Q8Token x)
    {
        Vector256<float> a = default;
        for (int i = 0, s = 0; i < kp; i += Q8Block.Size, s += 8)
        {
            var d = Vector256.Load(scales + s) * Vector256.Load(x.Scales + s);
            a = Fma.MultiplyAdd(BlockDot(Vector256.Load(x.Abs + i), Vector256.Load(x.Q + i), w + i), d, a);
        }

        return Vector256.Sum(a);
    }

    /// <summary>One block's 32 products summed into eight int32 lanes, as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BlockDot(Vector256<byte> absX, Vector256<sbyte> x, sbyte* w)
    {
        var signedW = Avx2.Sign(Vector256.Load(w), x);
        Vector256<int> sums;
        if (AvxVnni.IsSupported)
        {
            sums = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, absX, signedW);
        }
        else
        {
            sums = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(absX, signedW), Vector256.Create((short)1));
        }

        return Avx.ConvertToVector256Single(sums);
    }
}

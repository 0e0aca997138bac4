using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Worker.Runtime.Ops.Quantization;

/// <summary>
/// Q8_0 x Q8_0 dot products on 512-bit vectors: two blocks per vector, the expanded scales of both side by side in
/// one fp32 vector. AVX-512 has no byte sign instruction, so w * sign(x) is (w ^ m) - m with m the sign mask of x
/// (0 or -1); maddubs and madd as on AVX2 (.NET 10 exposes no AVX512-VNNI). An odd last block runs on 256 bits.
/// </summary>
internal static unsafe class Q8Avx512Kernels
{
    /// <summary>Four weight rows x one token: y[0..4) = dot(row r, x).</summary>
    public static void Rows4x1(sbyte* w0, int kp, float* scales0, int scaleStride, Q8Token x, float* y)
    {
        sbyte* w1 = w0 + kp, w2 = w1 + kp, w3 = w2 + kp;
        float* s1 = scales0 + scaleStride, s2 = s1 + scaleStride, s3 = s2 + scaleStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0, s = 0;
        for (; i + 2 * Q8Block.Size <= kp; i += 2 * Q8Block.Size, s += 16)
        {
            var abs = Vector512.Load(x.Abs + i);
            var mask = Vector512.Load(x.Sign + i);
            var dx = Vector512.Load(x.Scales + s);
            a0 = Avx512F.FusedMultiplyAdd(BlockDot(abs, mask, w0 + i), Vector512.Load(scales0 + s) * dx, a0);
            a1 = Avx512F.FusedMultiplyAdd(BlockDot(abs, mask, w1 + i), Vector512.Load(s1 + s) * dx, a1);
            a2 = Avx512F.FusedMultiplyAdd(BlockDot(abs, mask, w2 + i), Vector512.Load(s2 + s) * dx, a2);
            a3 = Avx512F.FusedMultiplyAdd(BlockDot(abs, mask, w3 + i), Vector512.Load(s3 + s) * dx, a3);
        }

        float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        if (i < kp)
        {
            t0 = Q8Avx2Kernels.Row1x1(w0 + i, Q8Block.Size, scales0 + s, Offset(x, i, s));
            t1 = Q8Avx2Kernels.Row1x1(w1 + i, Q8Block.Size, s1 + s, Offset(x, i, s));
            t2 = Q8Avx2Kernels.Row1x1(w2 + i, Q8Block.Size, s2 + s, Offset(x, i, s));
            t3 = Q8Avx2Kernels.Row1x1(w3 + i, Q8Block.Size, s3 + s, Offset(x, i, s));
        }

        y[0] = Vector512.Sum(a0) + t0;
        y[1] = Vector512.Sum(a1) + t1;
        y[2] = Vector512.Sum(a2) + t2;
        y[3] = Vector512.Sum(a3) + t3;
    }

    /// <summary>
    /// Four weight rows x two tokens (prefill and batched decode): each pair of weight blocks and their scales is
    /// loaded once for both tokens. An odd last block runs through the 4 x 1 kernel's 256-bit tail per token.
    /// </summary>
    public static void Rows4x2(sbyte* w0, int kp, float* scales0, int scaleStride, Q8Token x0, Q8Token x1, float* y, int yStride)
    {
        Vector512<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector512<float> a01 = default, a11 = default, a21 = default, a31 = default;
        int i = 0, s = 0;
        for (; i + 2 * Q8Block.Size <= kp; i += 2 * Q8Block.Size, s += 16)
        {
            var abs0 = Vector512.Load(x0.Abs + i);
            var m0 = Vector512.Load(x0.Sign + i);
            var abs1 = Vector512.Load(x1.Abs + i);
            var m1 = Vector512.Load(x1.Sign + i);
            var dx0 = Vector512.Load(x0.Scales + s);
            var dx1 = Vector512.Load(x1.Scales + s);
            sbyte* w = w0 + i;
            float* sc = scales0 + s;
            var d = Vector512.Load(sc);
            a00 = Avx512F.FusedMultiplyAdd(BlockDot(abs0, m0, w), d * dx0, a00);
            a01 = Avx512F.FusedMultiplyAdd(BlockDot(abs1, m1, w), d * dx1, a01);
            d = Vector512.Load(sc + scaleStride);
            a10 = Avx512F.FusedMultiplyAdd(BlockDot(abs0, m0, w + kp), d * dx0, a10);
            a11 = Avx512F.FusedMultiplyAdd(BlockDot(abs1, m1, w + kp), d * dx1, a11);
            d = Vector512.Load(sc + 2 * scaleStride);
            a20 = Avx512F.FusedMultiplyAdd(BlockDot(abs0, m0, w + 2 * kp), d * dx0, a20);
            a21 = Avx512F.FusedMultiplyAdd(BlockDot(abs1, m1, w + 2 * kp), d * dx1, a21);
            d = Vector512.Load(sc + 3 * scaleStride);
            a30 = Avx512F.FusedMultiplyAdd(BlockDot(abs0, m0, w + 3 * kp), d * dx0, a30);
            a31 = Avx512F.FusedMultiplyAdd(BlockDot(abs1, m1, w + 3 * kp), d * dx1, a31);
        }

        var tail0 = stackalloc float[4];
        var tail1 = stackalloc float[4];
        new Span<float>(tail0, 4).Clear();
        new Span<float>(tail1, 4).Clear();
        if (i < kp)
        {
            Q8Avx2Kernels.Rows4x1(w0 + i, kp, scales0 + s, scaleStride, Offset(x0, i, s), tail0, Q8Block.Size);
            Q8Avx2Kernels.Rows4x1(w0 + i, kp, scales0 + s, scaleStride, Offset(x1, i, s), tail1, Q8Block.Size);
        }

        y[0] = Vector512.Sum(a00) + tail0[0];
        y[1] = Vector512.Sum(a10) + tail0[1];
        y[2] = Vector512.Sum(a20) + tail0[2];
        y[3] = Vector512.Sum(a30) + tail0[3];
        y[yStride] = Vector512.Sum(a01) + tail1[0];
        y[yStride + 1] = Vector512.Sum(a11) + tail1[1];
        y[yStride + 2] = Vector512.Sum(a21) + tail1[2];
        y[yStride + 3] = Vector512.Sum(a31) + tail1[3];
    }

    /// <summary>One weight row x one token (row remainders).</summary>
    public static float Row1x1(sbyte* w, int kp, float* scales, Q8Token x)
    {
        Vector512<float> a = default;
        int i = 0, s = 0;
        for (; i + 2 * Q8Block.Size <= kp; i += 2 * Q8Block.Size, s += 16)
        {
            var d = Vector512.Load(scales + s) * Vector512.Load(x.Scales + s);
            a = Avx512F.FusedMultiplyAdd(BlockDot(Vector512.Load(x.Abs + i), Vector512.Load(x.Sign + i), w + i), d, a);
        }

        float tail = i < kp ? Q8Avx2Kernels.Row1x1(w + i, Q8Block.Size, scales + s, Offset(x, i, s)) : 0;
        return Vector512.Sum(a) + tail;
    }

    /// <summary>Two blocks' 64 products summed into sixteen int32 lanes (eight per block), as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BlockDot(Vector512<byte> absX, Vector512<sbyte> signX, sbyte* w)
    {
        var signedW = (Vector512.Load(w) ^ signX) - signX;
        var pairs = Avx512BW.MultiplyAddAdjacent(absX, signedW);
        var sums = Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1));
        return Avx512F.ConvertToVector512Single(sums);
    }

    private static Q8Token Offset(Q8Token x, int i, int s) => new(x.Q + i, x.Abs + i, x.Sign + i, x.Scales + s);
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// Register-tiled micro-kernels for BF16 weights (dot-product form: y[t, n] = sum_k x[t, k] * W[n, k]).
/// Prefill widens four weight rows once into an fp32 panel and then runs 4-row x 3-token tiles over it:
/// 12 accumulators, 3 activation vectors and one weight vector fill the 16 AVX2 registers, so each loaded
/// vector feeds three or four FMAs and no widening work competes with the FMA pipes. Decode (one or two
/// tokens) is memory bound and has its own kernels (<see cref="Bf16DecodeAvx2Kernels"/>).
/// </summary>
internal static unsafe class Bf16MatMulTiles
{
    public const int PanelRows = 4;

    /// <summary>Widens rows [row, row + 4) of a BF16 matrix into panel (row-major, 4 x k fp32).</summary>
    public static void WidenPanel(ushort* w, int k, float* panel)
    {
        int count = PanelRows * k;
        int i = 0;
        for (; i + 16 <= count; i += 16)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(w + i));
            Vector256.ShiftLeft(lo, 16).AsSingle().Store(panel + i);
            Vector256.ShiftLeft(hi, 16).AsSingle().Store(panel + i + 8);
        }

        for (; i < count; i++)
        {
            panel[i] = BitConverter.UInt32BitsToSingle((uint)w[i] << 16);
        }
    }

    /// <summary>4 panel rows x 3 tokens; y points at y[t, row], yStride is the output row length.</summary>
    public static void Tile4x3(float* panel, int k, float* x0, float* y, int yStride)
    {
        float* p1 = panel + k, p2 = p1 + k, p3 = p2 + k;
        float* x1 = x0 + k, x2 = x1 + k;
        Vector256<float> a00 = default, a01 = default, a02 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default;
        int i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v0 = Vector256.Load(x0 + i);
            var v1 = Vector256.Load(x1 + i);
            var v2 = Vector256.Load(x2 + i);
            var w = Vector256.Load(panel + i);
            a00 = Vector256.FusedMultiplyAdd(v0, w, a00);
            a01 = Vector256.FusedMultiplyAdd(v1, w, a01);
            a02 = Vector256.FusedMultiplyAdd(v2, w, a02);
            w = Vector256.Load(p1 + i);
            a10 = Vector256.FusedMultiplyAdd(v0, w, a10);
            a11 = Vector256.FusedMultiplyAdd(v1, w, a11);
            a12 = Vector256.FusedMultiplyAdd(v2, w, a12);
            w = Vector256.Load(p2 + i);
            a20 = Vector256.FusedMultiplyAdd(v0, w, a20);
            a21 = Vector256.FusedMultiplyAdd(v1, w, a21);
            a22 = Vector256.FusedMultiplyAdd(v2, w, a22);
            w = Vector256.Load(p3 + i);
            a30 = Vector256.FusedMultiplyAdd(v0, w, a30);
            a31 = Vector256.FusedMultiplyAdd(v1, w, a31);
            a32 = Vector256.FusedMultiplyAdd(v2, w, a32);
        }

        Store4(a00, a10, a20, a30, panel, k, x0, i, y);
        Store4(a01, a11, a21, a31, panel, k, x1, i, y + yStride);
        Store4(a02, a12, a22, a32, panel, k, x2, i, y + 2 * yStride);
    }

    /// <summary>4 panel rows x 1 token (the token remainder of a prefill tile loop).</summary>
    public static void Tile4x1(float* panel, int k, float* x, float* y)
    {
        float* p1 = panel + k, p2 = p1 + k, p3 = p2 + k;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v = Vector256.Load(x + i);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(panel + i), a0);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(p1 + i), a1);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(p2 + i), a2);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(p3 + i), a3);
        }

        Store4(a0, a1, a2, a3, panel, k, x, i, y);
    }

    /// <summary>One BF16 row x 1 token (row remainders of a panel band).</summary>
    public static float Row1x1(ushort* w, int k, float* x)
    {
        Vector256<float> a0 = default, a1 = default;
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var (lo, hi) = Widen(w + i);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), lo, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), hi, a1);
        }

        float sum = Vector256.Sum(a0 + a1);
        for (; i < k; i++)
        {
            sum += x[i] * Bf16(w[i]);
        }

        return sum;
    }

    /// <summary>Horizontal sums of one token's four row accumulators, plus the k tail (k not a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        float* panel, int k, float* x, int tail, float* y)
    {
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (int i = tail; i < k; i++)
        {
            float xi = x[i];
            s0 += xi * panel[i];
            s1 += xi * panel[k + i];
            s2 += xi * panel[2 * k + i];
            s3 += xi * panel[3 * k + i];
        }

        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }

    /// <summary>16 bf16 values to two fp32 vectors: bf16 is the top half of an fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Low, Vector256<float> High) Widen(ushort* source)
    {
        var (lo, hi) = Vector256.Widen(Vector256.Load(source));
        return (Vector256.ShiftLeft(lo, 16).AsSingle(), Vector256.ShiftLeft(hi, 16).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bf16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Worker.Runtime.Ops;

/// <summary>
/// Weight-stationary matmul: each chunk owns a band of output rows (weight rows) and walks every token
/// through it, four tokens at a time so one widened weight vector feeds four FMAs. BF16 is widened to
/// fp32 by a 16-bit left shift; accumulation is fp32.
/// </summary>
public sealed unsafe class CpuMatMulKernel(ComputeThreadPool pool) : IMatMulKernel, IParallelWork
{
    private const int RowsPerChunk = 16;
    private float* _x;
    private float* _y;
    private int _tokens;
    private WeightMatrix? _weight;

    public void MatMul(ReadOnlySpan<float> x, int tokens, WeightMatrix weight, Span<float> y)
    {
        if (x.Length < tokens * weight.Cols || y.Length < tokens * weight.Rows)
        {
            throw new ArgumentException($"MatMul buffers too small for {tokens} tokens x [{weight.Rows}, {weight.Cols}].");
        }

        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            _x = xp;
            _y = yp;
            _tokens = tokens;
            _weight = weight;
            pool.Run(this, (weight.Rows + RowsPerChunk - 1) / RowsPerChunk);
            _weight = null;
        }
    }

    public void Execute(int chunkIndex, int workerIndex)
    {
        var w = _weight!;
        int first = chunkIndex * RowsPerChunk;
        int last = Math.Min(first + RowsPerChunk, w.Rows);
        int k = w.Cols;
        int row = first;
        if (w.IsBf16 && _tokens >= 4)
        {
            // Two weight rows at a time: each activation load feeds two rows (prefill is compute bound).
            for (; row + 2 <= last; row += 2)
            {
                int t = 0;
                for (; t + 4 <= _tokens; t += 4)
                {
                    Bf16Dot2x4(w.Bf16 + (long)row * k, k, _x + t * k, _y + t * w.Rows + row, w.Rows);
                }

                for (; t < _tokens; t++)
                {
                    _y[t * w.Rows + row] = Dot1(w, row, _x + t * k, k);
                    _y[t * w.Rows + row + 1] = Dot1(w, row + 1, _x + t * k, k);
                }
            }
        }

        for (; row < last; row++)
        {
            int t = 0;
            for (; t + 4 <= _tokens; t += 4)
            {
                Dot4(w, row, _x + t * k, k, _y + t * w.Rows + row, w.Rows);
            }

            for (; t < _tokens; t++)
            {
                _y[t * w.Rows + row] = Dot1(w, row, _x + t * k, k);
            }
        }
    }

    private static void Bf16Dot2x4(ushort* w0, int k, float* x0, float* y, int yStride)
    {
        ushort* w1 = w0 + k;
        float* x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        int i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v0 = Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load(w0 + i).ToVector256Unsafe()), 16).AsSingle();
            var v1 = Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load(w1 + i).ToVector256Unsafe()), 16).AsSingle();
            var x = Vector256.Load(x0 + i);
            a00 = Vector256.FusedMultiplyAdd(x, v0, a00);
            a10 = Vector256.FusedMultiplyAdd(x, v1, a10);
            x = Vector256.Load(x1 + i);
            a01 = Vector256.FusedMultiplyAdd(x, v0, a01);
            a11 = Vector256.FusedMultiplyAdd(x, v1, a11);
            x = Vector256.Load(x2 + i);
            a02 = Vector256.FusedMultiplyAdd(x, v0, a02);
            a12 = Vector256.FusedMultiplyAdd(x, v1, a12);
            x = Vector256.Load(x3 + i);
            a03 = Vector256.FusedMultiplyAdd(x, v0, a03);
            a13 = Vector256.FusedMultiplyAdd(x, v1, a13);
        }

        float s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s02 = Vector256.Sum(a02), s03 = Vector256.Sum(a03);
        float s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11), s12 = Vector256.Sum(a12), s13 = Vector256.Sum(a13);
        for (; i < k; i++)
        {
            float u = BitConverter.UInt32BitsToSingle((uint)w0[i] << 16);
            float v = BitConverter.UInt32BitsToSingle((uint)w1[i] << 16);
            s00 += x0[i] * u;
            s01 += x1[i] * u;
            s02 += x2[i] * u;
            s03 += x3[i] * u;
            s10 += x0[i] * v;
            s11 += x1[i] * v;
            s12 += x2[i] * v;
            s13 += x3[i] * v;
        }

        y[0] = s00;
        y[yStride] = s01;
        y[2 * yStride] = s02;
        y[3 * yStride] = s03;
        y[1] = s10;
        y[yStride + 1] = s11;
        y[2 * yStride + 1] = s12;
        y[3 * yStride + 1] = s13;
    }

    private static void Dot4(WeightMatrix w, int row, float* x0, int k, float* y, int yStride)
    {
        float* x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        if (w.IsBf16)
        {
            ushort* wr = w.Bf16 + (long)row * k;
            for (; i + 16 <= k; i += 16)
            {
                var (lo, hi) = Widen(wr + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x0 + i), lo, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x1 + i), lo, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x2 + i), lo, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x3 + i), lo, a3);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x0 + i + 8), hi, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x1 + i + 8), hi, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x2 + i + 8), hi, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x3 + i + 8), hi, a3);
            }
        }
        else
        {
            float* wr = w.F32 + (long)row * k;
            for (; i + 8 <= k; i += 8)
            {
                var wv = Vector256.Load(wr + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x0 + i), wv, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x1 + i), wv, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x2 + i), wv, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x3 + i), wv, a3);
            }
        }

        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; i < k; i++)
        {
            float wi = WeightAt(w, row, k, i);
            s0 += x0[i] * wi;
            s1 += x1[i] * wi;
            s2 += x2[i] * wi;
            s3 += x3[i] * wi;
        }

        y[0] = s0;
        y[yStride] = s1;
        y[2 * yStride] = s2;
        y[3 * yStride] = s3;
    }

    private static float Dot1(WeightMatrix w, int row, float* x, int k)
    {
        Vector256<float> a0 = default, a1 = default;
        int i = 0;
        if (w.IsBf16)
        {
            ushort* wr = w.Bf16 + (long)row * k;
            for (; i + 16 <= k; i += 16)
            {
                var (lo, hi) = Widen(wr + i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), lo, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), hi, a1);
            }
        }
        else
        {
            float* wr = w.F32 + (long)row * k;
            for (; i + 8 <= k; i += 8)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(wr + i), a0);
            }
        }

        float sum = Vector256.Sum(a0 + a1);
        for (; i < k; i++)
        {
            sum += x[i] * WeightAt(w, row, k, i);
        }

        return sum;
    }

    /// <summary>16 bf16 values to two fp32 vectors: bf16 is the top half of an fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Low, Vector256<float> High) Widen(ushort* source)
    {
        var (lo, hi) = Vector256.Widen(Vector256.Load(source));
        return (Vector256.ShiftLeft(lo, 16).AsSingle(), Vector256.ShiftLeft(hi, 16).AsSingle());
    }

    private static float WeightAt(WeightMatrix w, int row, int k, int i) =>
        w.IsBf16 ? BitConverter.UInt32BitsToSingle((uint)w.Bf16[(long)row * k + i] << 16) : w.F32[(long)row * k + i];
}

using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Tests.Support;

/// <summary>One BF16 matmul on a given instruction-set path against a double-precision reference, within fp32 rounding.</summary>
internal static unsafe class Bf16MatMulCheck
{
    /// <summary>Random BF16 weights [rows, cols] and activations [tokens, cols]; also checks nothing is written past y.</summary>
    public static void AgainstReference(CpuIsa isa, int rows, int cols, int tokens, int threads)
    {
        var random = new Random(rows * 7919 + cols * 31 + tokens);
        var bits = new ushort[rows * cols];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)(BitConverter.SingleToUInt32Bits((float)(random.NextDouble() * 2 - 1)) >> 16);
        }

        var x = Enumerable.Range(0, tokens * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[tokens * rows + 3];
        y.AsSpan(tokens * rows).Fill(float.NaN);
        WeightMatrix weight;
        fixed (ushort* data = bits)
        {
            weight = WeightMatrix.FromTensor(new TensorView("w", TensorDType.BF16, [rows, cols], (byte*)data), WeightQuantization.None, Bf16Layouts.For(isa));
        }

        using var pool = new ComputeThreadPool(threads);
        new CpuMatMulKernel(pool, isa).MatMul(x, tokens, weight, y);

        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < cols; i++)
                {
                    double p = x[t * cols + i] * (double)BitConverter.UInt32BitsToSingle((uint)bits[r * cols + i] << 16);
                    sum += p;
                    magnitude += Math.Abs(p);
                }

                double tolerance = 4 * Math.Sqrt(cols) * 6e-8 * magnitude + 1e-30;
                Assert.True(Math.Abs(y[t * rows + r] - sum) <= tolerance,
                    $"{isa}: y[{t}, {r}] = {y[t * rows + r]}, expected {sum} (tolerance {tolerance:E2}, {rows}x{cols}, {tokens} tokens)");
            }
        }

        Assert.All(y[(tokens * rows)..], v => Assert.True(float.IsNaN(v), "kernel wrote past its output"));
    }
}

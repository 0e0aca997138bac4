using System.Runtime.InteropServices;
using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The tiled matmul against a plain double-precision reference, on the machine's own path and shapes chosen to hit
/// every edge: rows not a multiple of the 4-row tile, token counts not a multiple of the 2- or 4-token tile (and the
/// 1-2 token decode path), widths not a multiple of the 8- and 16-wide vectors or of the 16/32-value pair-order blocks.
/// Bf16BatchedKernelTests runs the BF16 tiles on every path the CPU supports.
/// </summary>
public sealed unsafe class CpuMatMulKernelTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // rows, cols, tokens, threads
        { 1, 1, 1, 1 },
        { 4, 16, 1, 1 },
        { 5, 17, 2, 2 },
        { 7, 33, 3, 2 },
        { 17, 100, 4, 1 },
        { 33, 65, 5, 2 },
        { 36, 96, 7, 2 },
        { 13, 7, 13, 1 },
        { 64, 128, 16, 2 },
        { 19, 3001, 29, 2 },
        { 40, 4864, 50, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_Bf16Weights_MatchesScalarReferenceWithinFp32Rounding(int rows, int cols, int tokens, int threads)
    {
        var random = new Random(rows * 7919 + cols * 31 + tokens);
        var bits = new ushort[rows * cols];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)(BitConverter.SingleToUInt32Bits(NextValue(random)) >> 16);
        }

        var weight = Bf16Matrix(bits, rows, cols);
        var reference = new double[rows * cols];
        for (int i = 0; i < bits.Length; i++)
        {
            reference[i] = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
        }

        AssertMatchesReference(weight, reference, rows, cols, tokens, threads, random);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_F32Weights_MatchesScalarReferenceWithinFp32Rounding(int rows, int cols, int tokens, int threads)
    {
        var random = new Random(rows * 7919 + cols * 31 + tokens + 1);
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = NextValue(random);
        }

        WeightMatrix weight;
        fixed (float* data = values)
        {
            weight = WeightMatrix.FromTensor(new TensorView("w", TensorDType.F32, [rows, cols], (byte*)data));
        }

        AssertMatchesReference(weight, values.Select(v => (double)v).ToArray(), rows, cols, tokens, threads, random);
    }

    [Fact]
    public void MatMul_SameKernelAcrossCalls_WiderMatrixAfterNarrowOne_StaysCorrect()
    {
        // The pair-order activation buffer grows with the largest tokens x k seen; a narrow call first must not leave it short.
        var random = new Random(5);
        using var pool = new ComputeThreadPool(2);
        var kernel = new CpuMatMulKernel(pool);
        foreach (int cols in new[] { 24, 1000 })
        {
            var bits = Enumerable.Range(0, 8 * cols)
                .Select(_ => (ushort)(BitConverter.SingleToUInt32Bits(NextValue(random)) >> 16)).ToArray();
            var reference = bits.Select(b => (double)BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray();
            var x = Enumerable.Range(0, 6 * cols).Select(_ => NextValue(random)).ToArray();
            var y = new float[6 * 8];
            kernel.MatMul(x, 6, Bf16Matrix(bits, 8, cols), y);
            AssertClose(x, reference, y, 8, cols, 6);
        }
    }

    [Fact]
    public void MatMul_Bf16RowsOnAvx2Kernels_ThrowsNamingTheLayoutTheyRead()
    {
        var bits = new ushort[8 * 16];
        WeightMatrix rows;
        fixed (ushort* data = bits)
        {
            rows = WeightMatrix.FromTensor(new TensorView("w", TensorDType.BF16, [8, 16], (byte*)data), Worker.Runtime.Ops.Quantization.WeightQuantization.None, Bf16Layout.Rows);
        }

        using var pool = new ComputeThreadPool(1);
        var error = Assert.Throws<ArgumentException>(() => new CpuMatMulKernel(pool, CpuIsa.Avx2).MatMul(new float[16], 1, rows, new float[8]));

        Assert.Contains("Panels", error.Message);
        Assert.Equal("weight", error.ParamName);
    }

    [Fact]
    public void MatMul_ZeroTokens_LeavesOutputUntouched()
    {
        var bits = new ushort[8 * 16];
        var y = new float[] { float.NaN };
        using var pool = new ComputeThreadPool(2);

        new CpuMatMulKernel(pool).MatMul([], 0, Bf16Matrix(bits, 8, 16), y);

        Assert.True(float.IsNaN(y[0]));
    }

    private static void AssertMatchesReference(WeightMatrix weight, double[] reference, int rows, int cols, int tokens, int threads, Random random)
    {
        var x = new float[tokens * cols];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = NextValue(random);
        }

        // Sentinels after the output: the kernel must write exactly tokens x rows values.
        var y = new float[tokens * rows + 3];
        y.AsSpan(tokens * rows).Fill(float.NaN);
        using var pool = new ComputeThreadPool(threads);
        new CpuMatMulKernel(pool).MatMul(x, tokens, weight, y);

        AssertClose(x, reference, y, rows, cols, tokens);
        Assert.All(y[(tokens * rows)..], v => Assert.True(float.IsNaN(v), "kernel wrote past its output"));
    }

    private static void AssertClose(float[] x, double[] w, float[] y, int rows, int cols, int tokens)
    {
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                double sum = 0, magnitude = 0;
                for (int i = 0; i < cols; i++)
                {
                    double p = x[t * cols + i] * w[r * cols + i];
                    sum += p;
                    magnitude += Math.Abs(p);
                }

                // fp32 accumulation in any order: error bounded by about k * eps * sum|x*w|; allow a few times
                // the expected (sqrt k) growth without letting a wrong element or a missed tail pass.
                double tolerance = 4 * Math.Sqrt(cols) * 6e-8 * magnitude + 1e-30;
                double actual = y[t * rows + r];
                Assert.True(Math.Abs(actual - sum) <= tolerance,
                    $"y[{t}, {r}] = {actual}, expected {sum} (tolerance {tolerance:E2}, rows {rows}, cols {cols}, tokens {tokens})");
            }
        }
    }

    private static WeightMatrix Bf16Matrix(ushort[] bits, int rows, int cols)
    {
        fixed (ushort* data = bits)
        {
            return WeightMatrix.FromTensor(new TensorView("w", TensorDType.BF16, [rows, cols], (byte*)data));
        }
    }

    private static float NextValue(Random random) => (float)(random.NextDouble() * 2 - 1);
}

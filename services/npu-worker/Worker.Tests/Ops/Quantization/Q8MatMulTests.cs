using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops.Quantization;
using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Ops.Quantization;

/// <summary>
/// The Q8_0 matmul on every instruction-set path this CPU runs (AVX2 and, on AVX-512 machines, AVX-512) against
/// <see cref="Q8Reference"/>: rows not a multiple of the 4-row kernel, widths not a multiple of the 32-value block
/// (zero-padded tail) or of the 64-value AVX-512 step (odd block count), decode of up to seven tokens and longer prefills,
/// long rows under many tokens (19 of width 4864);
/// for decode (up to seven tokens), block counts with a partial 8-block scale group and an odd last block, several guided
/// chunks, and long rows; one token on rows of up to 2048 bytes (four rows from a chunk's four quarters) with rows
/// left over below a multiple of four, and one past that (one row at a time); from eight tokens (the token lanes: half a group on AVX-512, a whole one on AVX2), token counts that leave a
/// partial last group, rows not a multiple of the lane tile, several row bands, and long rows whose L2 band is
/// a single tile.
/// </summary>
public sealed unsafe class Q8MatMulTests
{
    private static readonly (int Rows, int Cols, int Tokens, int Threads)[] ShapeList =
    [
        (1, 1, 1, 1),
        (4, 32, 1, 1),
        (5, 33, 2, 2),
        (7, 64, 3, 2),
        (17, 100, 4, 1),
        (13, 96, 5, 2),
        (9, 896, 16, 2),
        (33, 4864, 3, 2),
        (40, 4864, 19, 2),
        (300, 896, 7, 2),
        (301, 896, 1, 2),
        (19, 544, 1, 1),
        (23, 608, 2, 2),
        (130, 1000, 1, 2),
        (37, 2080, 1, 2),
        (21, 2048, 1, 2),
        (45, 1536, 5, 2),
        (22, 2016, 2, 2),
        (18, 4864, 2, 2),
        (8, 32, 8, 1),
        (29, 896, 9, 2),
        (3, 64, 24, 1),
        (21, 100, 17, 2),
        (45, 4864, 33, 2),
        (130, 544, 40, 2),
        (300, 896, 128, 2),
    ];

    public static TheoryData<CpuIsa, int, int, int, int> Shapes() => KernelShapes.OnEverySupportedIsa(ShapeList);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_Q8Weights_MatchesScalarQ8ReferenceWithinFp32Rounding(CpuIsa isa, int rows, int cols, int tokens, int threads)
    {
        var random = new Random(rows * 7919 + cols * 31 + tokens);
        var w = Values(random, rows * cols);
        var x = Values(random, tokens * cols);
        var weight = Q8Matrix(w, rows, cols);
        var y = new float[tokens * rows + 3];
        y.AsSpan(tokens * rows).Fill(float.NaN);

        using var pool = new ComputeThreadPool(threads);
        new CpuMatMulKernel(pool, isa).MatMul(x, tokens, weight, y);

        AssertMatchesReference(w, x, rows, cols, tokens, y, $"{isa}");
        Assert.All(y[(tokens * rows)..], v => Assert.True(float.IsNaN(v), "kernel wrote past its output"));
    }

    /// <summary>
    /// One kernel over many decode calls on three threads: the row split follows each thread's measured pace
    /// (<see cref="GuidedRowChunks.PlanPacedDecode"/>) and changes from call to call, and every call still computes each
    /// row once (a row left out stays NaN).
    /// </summary>
    [Fact]
    public void MatMul_ManyDecodeCallsOnOnePool_EveryCallMatchesReference()
    {
        var random = new Random(11);
        (int Rows, int Cols, int Tokens)[] shapes = [(301, 896, 1), (130, 1000, 2), (37, 2080, 1), (600, 544, 3)];
        var cases = shapes.Select(s => (s.Rows, s.Cols, s.Tokens, W: Values(random, s.Rows * s.Cols), X: Values(random, s.Tokens * s.Cols))).ToArray();
        var weights = cases.Select(c => Q8Matrix(c.W, c.Rows, c.Cols)).ToArray();
        using var pool = new ComputeThreadPool(3);
        var kernel = new CpuMatMulKernel(pool, CpuIsaSelection.Selected);
        for (int call = 0; call < 200; call++)
        {
            var c = cases[call % cases.Length];
            var y = new float[c.Tokens * c.Rows];
            y.AsSpan().Fill(float.NaN);
            kernel.MatMul(c.X, c.Tokens, weights[call % cases.Length], y);
            AssertMatchesReference(c.W, c.X, c.Rows, c.Cols, c.Tokens, y, $"call {call}");
        }
    }

    private static void AssertMatchesReference(float[] w, float[] x, int rows, int cols, int tokens, float[] y, string label)
    {
        var qw = Q8Reference.QuantizeWeights(w, rows, cols);
        var qx = Q8Reference.QuantizeActivations(x, tokens, cols);
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                var (expected, magnitude) = Q8Reference.Dot(qw, r, qx, t, cols);

                // The block sums are exact integers; only the per-block scaling and the fp32 accumulation round.
                double tolerance = 4 * Math.Sqrt(cols) * 6e-8 * magnitude + 1e-30;
                Assert.True(Math.Abs(y[t * rows + r] - expected) <= tolerance,
                    $"{label}: y[{t}, {r}] = {y[t * rows + r]}, expected {expected} (tolerance {tolerance:E2}, {rows}x{cols}, {tokens} tokens)");
            }
        }
    }

    [Fact]
    public void MatMul_Q8Weights_AllZeroBlock_GivesZeroNotNaN()
    {
        var w = new float[4 * 64];
        w.AsSpan(32, 32).Fill(0.5f);
        var x = new float[64];
        x.AsSpan(0, 32).Fill(1f);
        var y = new float[4];
        foreach (var isa in CpuIsaSelection.Supported)
        {
            using var pool = new ComputeThreadPool(1);
            new CpuMatMulKernel(pool, isa).MatMul(x, 1, Q8Matrix(w, 4, 64), y);
            Assert.Equal(new float[4], y);
        }
    }

    internal static WeightMatrix Q8Matrix(float[] values, int rows, int cols)
    {
        fixed (float* data = values)
        {
            return WeightMatrix.FromTensor(new TensorView("w", TensorDType.F32, [rows, cols], (byte*)data), WeightQuantization.Q8_0);
        }
    }

    private static float[] Values(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}

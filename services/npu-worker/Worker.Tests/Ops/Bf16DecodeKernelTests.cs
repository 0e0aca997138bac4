using Worker.Runtime.Checkpoints;
using Worker.Runtime.Ops;
using Worker.Tests.Support;

namespace Worker.Tests.Ops;

/// <summary>
/// The BF16 decode path (one or two tokens) on every instruction-set path this CPU runs, against a double-precision
/// reference: widths not a multiple of the 16/32-value pair-order block or of the two-block step (scalar tails), long
/// rows (the down projection's 4864), and enough rows for several guided chunks.
/// </summary>
public sealed unsafe class Bf16DecodeKernelTests
{
    private static readonly (int Rows, int Cols, int Tokens, int Threads)[] ShapeList =
    [
        (1, 1, 1, 1),
        (3, 15, 1, 1),
        (5, 17, 2, 2),
        (7, 33, 1, 2),
        (9, 63, 2, 1),
        (11, 96, 1, 2),
        (301, 896, 1, 2),
        (130, 900, 2, 2),
        (37, 2050, 1, 2),
        (18, 4864, 2, 2),
        (43, 4871, 1, 1),
    ];

    public static TheoryData<CpuIsa, int, int, int, int> Shapes() => KernelShapes.OnEverySupportedIsa(ShapeList);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_Bf16DecodeTokens_MatchesScalarReferenceWithinFp32Rounding(CpuIsa isa, int rows, int cols, int tokens, int threads)
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
            weight = WeightMatrix.FromTensor(new TensorView("w", TensorDType.BF16, [rows, cols], (byte*)data));
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

using System.Runtime.Intrinsics.X86;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Tests.Ops.Quantization;

/// <summary>
/// Both forms of the one-row Q8_0 decode kernel against the scalar reference, whichever the machine's matmul uses: the
/// sign trick (every machine) and, where the CPU has AvxVnni, unsigned weights with the 128 * sum(x) correction. Block
/// counts below, at and past a multiple of the four-block unroll and of the eight-block scale groups (the overlapping
/// last group), and activations of one sign (the correction then is as large as it gets) or of both.
/// </summary>
public sealed unsafe class Q8Avx2DecodeKernelTests
{
    [Theory]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(96, false)]
    [InlineData(224, true)]
    [InlineData(256, true)]
    [InlineData(544, true)]
    [InlineData(896, false)]
    [InlineData(896, true)]
    [InlineData(3584, true)]
    [InlineData(4864, true)]
    [InlineData(4864, false)]
    public void Row_BothForms_MatchScalarQ8Reference(int cols, bool positiveActivations)
    {
        var random = new Random(cols + (positiveActivations ? 1 : 0));
        var w = Enumerable.Range(0, cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var x = Enumerable.Range(0, cols).Select(_ => (float)(positiveActivations ? random.NextDouble() : random.NextDouble() * 2 - 1)).ToArray();
        var weight = Q8MatMulTests.Q8Matrix(w, 1, cols);
        var activations = new Q8Activations();
        activations.Prepare(1, cols);
        fixed (float* xp = x)
        {
            activations.QuantizeToken(0, xp, cols);
        }

        var (expected, magnitude) = Q8Reference.Dot(Q8Reference.QuantizeWeights(w, 1, cols), 0, Q8Reference.QuantizeActivations(x, 1, cols), 0, cols);
        double tolerance = 4 * Math.Sqrt(cols) * 6e-8 * magnitude + 1e-30;
        int blocks = weight.Q8RowLength / Q8Block.Size;
        var ds = new float[(blocks + 7) / 8 * 8];
        fixed (float* dsp = ds)
        {
            float signTrick = Q8Avx2DecodeKernel.RowSignTrick(weight.Q8Row(0), weight.Q8RowScales(0), activations.BlockScales(0), blocks, activations.Token(0), dsp);
            Assert.True(Math.Abs(signTrick - expected) <= tolerance, $"sign trick: {signTrick}, expected {expected} (tolerance {tolerance:E2})");

            if (AvxVnni.IsSupported)
            {
                // The unsigned form's sums run 128 * sum(x) per block higher before the correction: its rounding is
                // relative to that larger magnitude.
                float extra = Q8Block.CombineScales(weight.Q8RowScales(0), activations.BlockScales(0), activations.BlockSums(0), blocks, dsp);
                float unsigned = Q8Avx2DecodeKernel.RowUnsignedWeights(
                    weight.Q8Row(0), weight.Q8RowScales(0), activations.BlockScales(0), activations.BlockSums(0), blocks, activations.Token(0).Q, dsp);
                double unsignedTolerance = tolerance + 4 * Math.Sqrt(cols) * 6e-8 * Math.Abs(extra);
                Assert.True(Math.Abs(unsigned - expected) <= unsignedTolerance, $"unsigned weights: {unsigned}, expected {expected} (tolerance {unsignedTolerance:E2})");
            }
        }
    }
}

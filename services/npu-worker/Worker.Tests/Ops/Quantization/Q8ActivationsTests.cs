using System.Runtime.Intrinsics.X86;
using Worker.Runtime.Ops.Quantization;

namespace Worker.Tests.Ops.Quantization;

/// <summary>Activations quantized per matmul: ggml's x86 rule bit for bit, block sums, and the fp16 rounding of d.</summary>
public sealed unsafe class Q8ActivationsTests
{
    /// <summary>Whole blocks and a padded tail; magnitudes from fp16-subnormal scales to large ones, halves included.</summary>
    [Theory]
    [InlineData(896, 1.0)]
    [InlineData(4864, 30.0)]
    [InlineData(70, 1e-4)]
    [InlineData(64, 1e5)]
    public void QuantizeToken_EqualsGgmlX86Rule(int cols, double magnitude)
    {
        var random = new Random(cols);
        var x = Enumerable.Range(0, cols).Select(_ => (float)((random.NextDouble() * 2 - 1) * magnitude)).ToArray();
        x[0] = 0;
        x[1] = (float)magnitude;
        x[2] = -(float)magnitude * 2.5f / 127; // exactly halfway between two steps when amax is x[1]
        var activations = new Q8Activations();
        activations.Prepare(1, cols);
        fixed (float* source = x)
        {
            activations.QuantizeToken(0, source, cols);
        }

        var (q, d) = Q8Reference.QuantizeActivations(x, 1, cols);
        var token = activations.Token(0);
        int blocks = activations.Blocks;
        for (int i = 0; i < activations.PaddedCols; i++)
        {
            sbyte expected = i < cols ? q[i] : (sbyte)0;
            Assert.True(expected == token.Q[i], $"q[{i}]: expected {expected}, got {token.Q[i]}");
            Assert.Equal((byte)Math.Abs(expected), token.Abs[i]);
        }

        for (int b = 0; b < blocks; b++)
        {
            Assert.Equal(d[b], activations.BlockScales(0)[b]);
            int sum = 0;
            for (int i = b * Q8Block.Size; i < Math.Min(cols, (b + 1) * Q8Block.Size); i++)
            {
                sum += q[i];
            }

            Assert.Equal(AvxVnni.IsSupported ? 128f * sum : 0f, activations.BlockSums(0)[b]);
        }
    }

    /// <summary>Every finite fp16 value, the midpoints between neighbours (ties go to even) and a step either side of them, both signs, and values past fp16's range.</summary>
    [Fact]
    public void RoundToHalf_MatchesHalfConversion()
    {
        var values = new List<float> { 0f, 65504f, 65519f, 65520f, 70000f, 1e30f, float.Epsilon, 1e-8f, 6.1e-5f };
        for (int bits = 0; bits < 0x7c00; bits++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float next = (float)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float midpoint = (value + next) / 2;
            values.AddRange([value, midpoint, MathF.BitDecrement(midpoint), MathF.BitIncrement(midpoint)]);
        }

        foreach (float value in values.Concat(values.Select(v => -v)))
        {
            float expected = (float)(Half)value;
            float actual = Q8Block.RoundToHalf(value);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{value:R}: expected {expected:R}, got {actual:R}");
        }
    }
}

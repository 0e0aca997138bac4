using Worker.Runtime.Ops;
using Worker.Runtime.Sampling;
using Worker.Tests.Support;

namespace Worker.Tests.Sampling;

/// <summary>
/// <see cref="TokenSampler.DrawWeights"/> on every instruction-set path this CPU supports: e^((l - max) / T) as in
/// double precision within what the fp32 exponent's rounding allows, the best token's weight 1, and exactly 0 for
/// banned (-inf) and NaN logits and for terms too small for fp32, in the vector part and in the scalar tail alike.
/// </summary>
public sealed class DrawWeightsTests
{
    public static TheoryData<CpuIsa, int, float> Cases() =>
        KernelShapes.OnEverySupportedIsa(new[] { (3, 1f), (37, 0.7f), (151936, 0.7f), (152064, 1.3f), (1000, 0.05f) });

    [Theory]
    [MemberData(nameof(Cases))]
    public void DrawWeights_AreTheScaledExponentialsAndZeroForWhatCannotBeDrawn(CpuIsa isa, int length, float temperature)
    {
        var random = new Random(length);
        var logits = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 40 - 25)).ToArray();
        logits[length / 2] = float.NegativeInfinity;
        logits[length - 1] = float.NegativeInfinity;
        var weights = new float[length];

        float max = TokenSampler.DrawWeights(logits, temperature, weights, isa);

        Assert.Equal(logits.Where(float.IsFinite).Max(), max);
        for (int i = 0; i < length; i++)
        {
            double exponent = (logits[i] - (double)max) / temperature;
            double expected = float.IsNegativeInfinity(logits[i]) ? 0 : Math.Exp(exponent);
            if (expected < 1e-37)
            {
                Assert.True(weights[i] == 0 || Math.Abs(weights[i] - expected) <= 1e-38, $"weight {i}: {weights[i]} for {expected}");
            }
            else
            {
                // The exponent is an fp32 value: off by a few of its ulps, so e^y by that much relative to |y|.
                Assert.Equal(expected, weights[i], expected * (4e-7 * Math.Abs(exponent) + 2e-6));
            }
        }

        Assert.Equal(0f, weights[length / 2]);
        Assert.Equal(0f, weights[length - 1]);
        Assert.Equal(1f, weights[Array.IndexOf(logits, max)]);
    }

    [Fact]
    public void DrawWeights_EveryIdBanned_ReturnsMinusInfinityAndNoWeight()
    {
        foreach (var isa in CpuIsaSelection.Supported)
        {
            var logits = Enumerable.Repeat(float.NegativeInfinity, 100).ToArray();
            var weights = new float[100];

            Assert.Equal(float.NegativeInfinity, TokenSampler.DrawWeights(logits, 0.7f, weights, isa));
            Assert.All(weights, w => Assert.Equal(0f, w));
        }
    }
}

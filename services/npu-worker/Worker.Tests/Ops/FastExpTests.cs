using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The single-precision exponential against double precision over the range softmax and SwiGLU feed it, its clamped
/// tails, and its vector and scalar forms agreeing bit for bit (the softmax row's in-place form on lengths that leave
/// 512-bit, 256-bit and scalar parts).
/// </summary>
public sealed class FastExpTests
{
    [Fact]
    public void Exp_IsWithinTwoUlpsOfDoublePrecision_AcrossTheRange()
    {
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            float y = (float)(random.NextDouble() * 175 - 87);
            double expected = Math.Exp(y);
            float actual = FastExp.Exp(y);
            Assert.True(Math.Abs(actual - expected) <= 2.5e-7 * expected, $"e^{y} = {actual}, expected {expected}");
        }

        Assert.Equal(1f, FastExp.Exp(0f));
        Assert.True(FastExp.Exp(-1000f) is > 0 and < 1.3e-38f, "far below the range e^y is the clamp's tiny value, never negative or NaN");
        Assert.True(float.IsFinite(FastExp.Exp(1000f)), "far above the range e^y is clamped, not infinite");
        Assert.Equal(0f, FastExp.Sigmoid(-1000f), 1e-37f);
        Assert.Equal(1f, FastExp.Sigmoid(1000f));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(23)]
    [InlineData(40)]
    [InlineData(4000)]
    public void ExpShiftedSum_WritesEachValueAsTheScalarFormDoes_AndReturnsTheirSum(int length)
    {
        var random = new Random(length);
        var row = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 60 - 50)).ToArray();
        float max = row.Max();
        var original = (float[])row.Clone();

        float sum = FastExp.ExpShiftedSum(row, max);

        double expectedSum = 0;
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(FastExp.Exp(original[i] - max), row[i]);
            expectedSum += row[i];
        }

        Assert.Equal(expectedSum, sum, expectedSum * 1e-6);
    }
}

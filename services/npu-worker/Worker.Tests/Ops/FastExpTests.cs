using System.Runtime.Intrinsics;
using Worker.Runtime.Ops;

namespace Worker.Tests.Ops;

/// <summary>
/// The single-precision exponential against double precision over the range softmax and SwiGLU feed it, its clamped
/// tails, its 512-bit and 256-bit forms agreeing bit for bit, and the softmax row's in-place form (lengths that leave
/// 512-bit, 256-bit and padded parts) writing what the vector form gives.
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
            float actual = Exp(y);
            Assert.True(Math.Abs(actual - expected) <= 2.5e-7 * expected, $"e^{y} = {actual}, expected {expected}");
        }

        Assert.Equal(1f, Exp(0f));
        Assert.True(Exp(-1000f) is > 0 and < 1.3e-38f, "far below the range e^y is the clamp's tiny value, never negative or NaN");
        Assert.True(float.IsFinite(Exp(1000f)), "far above the range e^y is clamped, not infinite");
        Assert.Equal(0f, FastExp.Sigmoid(Vector256.Create(-1000f)).ToScalar(), 1e-37f);
        Assert.Equal(1f, FastExp.Sigmoid(Vector256.Create(1000f)).ToScalar());
    }

    [Fact]
    public void Exp_512BitForm_EqualsThe256BitForm()
    {
        var random = new Random(11);
        var values = new float[16];
        for (int round = 0; round < 10_000; round++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() * 200 - 100);
            }

            var wide = FastExp.Exp(Vector512.Create(values));
            var sigmoid = FastExp.Sigmoid(Vector512.Create(values));
            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(Exp(values[i]), wide[i]);
                Assert.Equal(FastExp.Sigmoid(Vector256.Create(values[i])).ToScalar(), sigmoid[i]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(23)]
    [InlineData(40)]
    [InlineData(4000)]
    public void ExpShiftedSum_WritesEachValueAsTheVectorFormDoes_AndReturnsTheirSum(int length)
    {
        var random = new Random(length);
        var row = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 60 - 50)).ToArray();
        float max = row.Max();
        var original = (float[])row.Clone();

        float sum = FastExp.ExpShiftedSum(row, max);

        double expectedSum = 0;
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(Exp(original[i] - max), row[i]);
            expectedSum += row[i];
        }

        Assert.Equal(expectedSum, sum, expectedSum * 1e-6);
    }

    /// <summary>e^y by one lane of the 256-bit form.</summary>
    private static float Exp(float y) => FastExp.Exp(Vector256.Create(y)).ToScalar();
}

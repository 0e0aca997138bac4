using Worker.Runtime.Sampling;

namespace Worker.Tests.Sampling;

/// <summary>
/// <see cref="LogSoftmax.LogSumExp"/> (fp32 exponentials summed per chunk, chunks in fp64) against the same sum in
/// double precision: lengths below, at and past whole chunks, spreads from a few units to hundreds (terms far below
/// the max underflow), and the degenerate inputs.
/// </summary>
public sealed class LogSumExpTests
{
    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(7, 5.0)]
    [InlineData(256, 20.0)]
    [InlineData(257, 20.0)]
    [InlineData(1000, 0.001)]
    [InlineData(151936, 20.0)]
    [InlineData(151936, 300.0)]
    [InlineData(152064, 60.0)]
    public void LogSumExp_MatchesDoublePrecision(int length, double spread)
    {
        var random = new Random(length + (int)spread);
        var logits = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.7) * spread)).ToArray();

        double max = logits.Max();
        double expected = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));

        Assert.Equal(expected, LogSoftmax.LogSumExp(logits), 1e-5 * Math.Max(1, Math.Abs(expected)));
    }

    [Fact]
    public void LogSumExp_EqualLogits_IsTheLogitPlusLogOfTheCount()
    {
        var logits = Enumerable.Repeat(-3.25f, 151936).ToArray();

        Assert.Equal(-3.25 + Math.Log(151936), LogSoftmax.LogSumExp(logits), 1e-5);
    }

    [Fact]
    public void LogSumExp_ExtremelyNegativeTerms_ContributeNothing()
    {
        var logits = Enumerable.Repeat(-1e30f, 4096).ToArray();
        logits[100] = 2f;
        logits[4000] = float.NegativeInfinity;

        Assert.Equal(2f, LogSoftmax.LogSumExp(logits), 6);
    }

    [Fact]
    public void LogSumExp_NaNOrInfiniteMax_IsNaN()
    {
        var logits = new float[600];
        logits[300] = float.NaN;
        Assert.True(float.IsNaN(LogSoftmax.LogSumExp(logits)));

        logits[300] = float.PositiveInfinity;
        Assert.True(float.IsNaN(LogSoftmax.LogSumExp(logits)));

        Assert.True(float.IsNaN(LogSoftmax.LogSumExp(Enumerable.Repeat(float.NegativeInfinity, 600).ToArray())));
    }
}

using Inference.Cli.Simulation;

namespace Scheduler.Tests.Simulation;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.50)]
    [InlineData(0.99)]
    public void Percentile_IsWithinHalfAPercentOfTheExactValue(double quantile)
    {
        var histogram = new LatencyHistogram();
        var samples = Enumerable.Range(1, 10_000).Select(i => i * 0.001).ToArray();
        foreach (var sample in samples)
        {
            histogram.Add(sample);
        }

        var exact = samples[(int)Math.Ceiling(quantile * samples.Length) - 1];
        Assert.InRange(histogram.Percentile(quantile), exact * 0.995, exact * 1.005);
    }

    [Fact]
    public void Percentile_WithoutSamples_IsZero() => Assert.Equal(0, new LatencyHistogram().Percentile(0.5));
}

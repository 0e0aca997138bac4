using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

/// <summary>
/// The read-bandwidth probe reads what it counts: the side-by-side streams cover each part of a slice but for a last
/// partial step, and a measurement says which read pattern read its figure.
/// </summary>
public sealed unsafe class MemoryBandwidthProbeTests
{
    /// <summary>Plain streams step 256 bytes (64 floats) of each part, prefetched ones a 64-byte line (16 floats).</summary>
    [Theory]
    [InlineData(2, 2 * 64 * 10, false)]
    [InlineData(4, 4 * 64 * 25 + 17, false)]
    [InlineData(8, 8 * 16 * 30, true)]
    [InlineData(3, 3 * 16 * 11 + 5, true)]
    [InlineData(1, 16 * 7 + 9, true)]
    public void SumStreams_ReadsEveryWholeStepOfEveryPart(int streams, int count, bool prefetched)
    {
        var values = Enumerable.Range(0, count).Select(i => (float)(i % 7)).ToArray();
        int step = prefetched ? 16 : 64;
        int part = count / streams / step * step;
        float expected = Enumerable.Range(0, streams).Sum(s => values.Skip(s * part).Take(part).Sum());
        fixed (float* p = values)
        {
            float sum = prefetched ? MemoryBandwidthProbe.SumStreamsPrefetched(p, count, streams) : MemoryBandwidthProbe.SumStreams(p, count, streams);
            Assert.Equal(expected, sum);
        }
    }

    [Fact]
    public void MeasureWindow_KeepsTheBestPatternItTried()
    {
        using var probe = new MemoryBandwidthProbe(8 << 20, threads: 2);
        var bandwidth = probe.MeasureWindow();
        Assert.Contains(bandwidth.Pattern, MemoryBandwidthProbe.Patterns);
        Assert.True(bandwidth.BytesPerSecond > 0);
        Assert.Equal(new ReadPattern(4), probe.MeasureWindow(new ReadPattern(4)).Pattern);
        Assert.Equal(new ReadPattern(8, Prefetched: true), probe.MeasureWindow(new ReadPattern(8, Prefetched: true)).Pattern);
    }
}

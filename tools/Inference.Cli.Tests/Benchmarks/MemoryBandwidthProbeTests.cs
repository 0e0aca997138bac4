using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

/// <summary>
/// The read-bandwidth probe reads what it counts: the side-by-side streams cover each part of a slice but for a last
/// partial step, and a measurement says which read pattern read its figure.
/// </summary>
public sealed unsafe class MemoryBandwidthProbeTests
{
    [Theory]
    [InlineData(2, 2 * 64 * 10)]
    [InlineData(4, 4 * 64 * 25 + 17)]
    public void SumStreams_ReadsEveryWholeStepOfEveryPart(int streams, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => (float)(i % 7)).ToArray();
        int part = count / streams / 64 * 64;
        float expected = Enumerable.Range(0, streams).Sum(s => values.Skip(s * part).Take(part).Sum());
        fixed (float* p = values)
        {
            Assert.Equal(expected, MemoryBandwidthProbe.SumStreams(p, count, streams));
        }
    }

    [Theory]
    [InlineData(8, 8 * 16 * 30)]
    [InlineData(3, 3 * 16 * 11 + 5)]
    [InlineData(1, 16 * 7 + 9)]
    public void SumStreamsPrefetched_ReadsEveryWholeLineOfEveryPart(int streams, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => (float)(i % 5)).ToArray();
        int part = count / streams / 16 * 16;
        float expected = Enumerable.Range(0, streams).Sum(s => values.Skip(s * part).Take(part).Sum());
        fixed (float* p = values)
        {
            Assert.Equal(expected, MemoryBandwidthProbe.SumStreamsPrefetched(p, count, streams));
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

using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class StreamTimelineTests
{
    [Fact]
    public void SteadyDecodeRate_CountsTokensAfterEveryStreamHasItsFirst()
    {
        // Both streams decoding from t=1 (the later first token) to t=3: 2 + 2 tokens arrive after t=1.
        var streams = new[]
        {
            new StreamTimeline([0.5, 1.0, 2.0, 3.0], 4),
            new StreamTimeline([1.0, 2.0, 3.0], 3),
        };

        Assert.Equal(4.0 / 2.0, StreamTimeline.SteadyDecodeRate(streams), 9);
    }

    [Fact]
    public void SteadyDecodeRate_WeightsChunksThatCarryHeldBackTokens()
    {
        // 3 chunks for 6 tokens: each chunk counts as 2 tokens.
        var streams = new[] { new StreamTimeline([1.0, 2.0, 3.0], 6) };

        Assert.Equal(4.0 / 2.0, StreamTimeline.SteadyDecodeRate(streams), 9);
    }

    [Fact]
    public void SteadyDecodeRate_WithAStreamThatSentNothing_IsZero()
    {
        Assert.Equal(0, StreamTimeline.SteadyDecodeRate([new StreamTimeline([1.0, 2.0], 2), new StreamTimeline([], 0)]));
    }
}

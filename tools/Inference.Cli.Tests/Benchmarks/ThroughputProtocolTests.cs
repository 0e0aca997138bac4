using Inference.Cli.Benchmarks;

namespace Inference.Cli.Tests.Benchmarks;

public sealed class ThroughputProtocolTests
{
    private static readonly BenchShape Shape = new(PromptTokens: 8, DecodeSteps: 4, ConcurrentSequences: 2, Repeat: 3);

    /// <summary>Replays one scripted decode time per 1-sequence round (after the untimed warm-up) and logs each round in <paramref name="log"/>.</summary>
    private sealed class ScriptedEngine(string name, double[] decodeSeconds, List<string> log) : IRoundRunner
    {
        private int _oneSequenceRounds = -1;

        public int VocabSize => 10;

        public RoundTimes Round(int batch, int promptTokens, int decodeSteps)
        {
            if (batch != 1)
            {
                return new RoundTimes(1, 1, 0);
            }

            log.Add(name);
            return new RoundTimes(1, _oneSequenceRounds < 0 ? 99 : decodeSeconds[_oneSequenceRounds++ % decodeSeconds.Length], 0);
        }

        /// <summary>The warm-up is over: rounds from now on replay the script.</summary>
        public void StartTimedRounds() => _oneSequenceRounds = Math.Max(_oneSequenceRounds, 0);
    }

    [Fact]
    public void TurnOrder_RotatesSoThatEachEngineRunsOnceInEveryPosition()
    {
        Assert.Equal([0, 1, 2, 3], ThroughputProtocol.TurnOrder(4, 0));
        Assert.Equal([1, 2, 3, 0], ThroughputProtocol.TurnOrder(4, 1));
        Assert.Equal([3, 0, 1, 2], ThroughputProtocol.TurnOrder(4, 3));
        for (int position = 0; position < 4; position++)
        {
            Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, 4).Select(r => ThroughputProtocol.TurnOrder(4, r)[position]).Order());
        }
    }

    [Fact]
    public void RunInterleaved_SetsTheFastestRoundBesideTheBetterOfTheWindowsAroundIt()
    {
        var log = new List<string>();
        var a = new ScriptedEngine("a", [2.0, 1.0, 1.5], log);
        var b = new ScriptedEngine("b", [3.0, 3.0, 2.0], log);
        double[] windows = [10, 20, 5, 70];
        int next = 0;
        ReadBandwidth Window()
        {
            a.StartTimedRounds();
            b.StartTimedRounds();
            log.Add("window");
            return new ReadBandwidth(windows[next++] * 1e9, 1 << 20, HugePages: true);
        }

        var results = ThroughputProtocol.RunInterleaved([("a", a), ("b", b)], Shape, _ => { }, Window);

        // Warm-ups, then a window before every round and one after the last, the engines' turns of a round back to back
        // in an order rotating each round: w a b w b a w a b w.
        Assert.Equal(["a", "b", "window", "a", "b", "window", "b", "a", "window", "a", "b", "window"], log);
        Assert.Equal(4, next);

        // a's fastest decode (1.0 s) is its turn in round 2, between windows 20 and 5; b's (2.0 s) its turn in round 3, between 5 and 70.
        Assert.Equal(4.0, results[0].Decode1Tps);
        Assert.Equal(20e9, results[0].Decode1BandwidthBeside!.BytesPerSecond);
        Assert.Equal(2.0, results[1].Decode1Tps);
        Assert.Equal(70e9, results[1].Decode1BandwidthBeside!.BytesPerSecond);
    }

    [Fact]
    public void RunInterleaved_WithoutAProbe_MeasuresNoWindow()
    {
        var engine = new ScriptedEngine("a", [1.0], []);
        engine.StartTimedRounds();

        var results = ThroughputProtocol.RunInterleaved([("a", engine)], Shape, _ => { });

        Assert.Null(results[0].Decode1BandwidthBeside);
    }
}

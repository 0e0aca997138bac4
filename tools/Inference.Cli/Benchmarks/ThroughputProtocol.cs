namespace Inference.Cli.Benchmarks;

/// <summary>
/// How every engine is measured, by `bench` and `bench-model` alike: per batch size an untimed short round first (so
/// tiered JIT, or a native library's first-touch costs, are behind us), then <c>repeat</c> timed rounds of which the
/// fastest prefill and the fastest decode count. `bench` runs its engines in turns, round by round
/// (<see cref="RunInterleaved"/>): on a shared host the read bandwidth a decode gets moves by a third from one minute
/// to the next, and engines measured one after another minutes apart would compare those minutes, not themselves.
/// </summary>
public static class ThroughputProtocol
{
    private const int WarmUpPromptTokens = 32;
    private const int WarmUpDecodeSteps = 4;

    public static RoundTimes Measure(IRoundRunner engine, int batch, int promptTokens, int decodeSteps, int repeat)
    {
        WarmUp(engine, batch, promptTokens, decodeSteps);
        var fastest = engine.Round(batch, promptTokens, decodeSteps);
        for (int i = 1; i < repeat; i++)
        {
            fastest = RoundTimes.Fastest(fastest, engine.Round(batch, promptTokens, decodeSteps));
        }

        return fastest;
    }

    /// <summary>
    /// The three figures `bench` reports for each engine: prefill tokens/s of one prompt, and decode tokens/s of one
    /// sequence and of <see cref="BenchShape.ConcurrentSequences"/> sequences decoding together. Per batch size every
    /// engine warms up, then round r of every engine runs before round r + 1 of any, in an order rotated each round
    /// (<see cref="TurnOrder"/>), the engines' turns of a round back to back. With <paramref name="bandwidthWindow"/>
    /// (the bandwidth probe) a window is measured before every round of 1-sequence turns and one after the last, so each
    /// round lies between two windows, and each engine's result carries the better of the two around the round of its
    /// fastest 1-sequence turn (<see cref="EngineThroughput.Decode1BandwidthBeside"/>). Windows between the engines' turns
    /// (until session 36) spread a round's four turns over about 11 s instead of 5, and on a host whose bandwidth swings
    /// within seconds the engines' fastest turns then fell in different minutes (session 36: llama.cpp's F16 got the
    /// 42-47 GB/s windows in two of its three turns, ours the 28-29 GB/s ones in all three: BF16 decode1 0.79x, ours at
    /// 97% of the bandwidth beside its turn, llama.cpp at 86%).
    /// </summary>
    public static EngineThroughput[] RunInterleaved(IReadOnlyList<(string Name, IRoundRunner Engine)> engines, BenchShape shape, Action<string> progress,
        Func<ReadBandwidth>? bandwidthWindow = null)
    {
        var one = Interleave(engines, 1, shape, progress, bandwidthWindow);
        var many = Interleave(engines, shape.ConcurrentSequences, shape, progress, null);
        return one.Select((o, i) => new EngineThroughput(
            shape.PromptTokens / o.Times.PrefillSeconds,
            shape.DecodeSteps / o.Times.DecodeSeconds,
            ConcurrentDecodeRate(shape, many[i].Times),
            o.Beside)).ToArray();
    }

    /// <summary>One timed round of <see cref="BenchShape.ConcurrentSequences"/> sequences; their decode tokens/s.</summary>
    public static double ConcurrentDecodeRound(IRoundRunner engine, BenchShape shape) =>
        ConcurrentDecodeRate(shape, engine.Round(shape.ConcurrentSequences, shape.PromptTokens, shape.DecodeSteps));

    private static double ConcurrentDecodeRate(BenchShape shape, RoundTimes times) =>
        (double)shape.ConcurrentSequences * shape.DecodeSteps / times.DecodeSeconds;

    /// <summary>
    /// Each engine's fastest round (prefill and decode each the fastest), and, where windows are measured, the better of
    /// the two windows either side of its fastest decode.
    /// </summary>
    private static (RoundTimes Times, ReadBandwidth? Beside)[] Interleave(IReadOnlyList<(string Name, IRoundRunner Engine)> engines, int batch, BenchShape shape,
        Action<string> progress, Func<ReadBandwidth>? bandwidthWindow)
    {
        progress(batch == 1
            ? $"1 sequence: {shape.PromptTokens}-token prompt, {shape.DecodeSteps} decode steps"
            : $"{batch} sequences: {shape.PromptTokens}-token prompts, {shape.DecodeSteps} decode steps");
        foreach (var (_, engine) in engines)
        {
            WarmUp(engine, batch, shape.PromptTokens, shape.DecodeSteps);
        }

        var fastest = new (RoundTimes Times, ReadBandwidth? Beside)[engines.Count];
        var turns = new RoundTimes[engines.Count];
        var lastWindow = bandwidthWindow?.Invoke();
        for (int round = 0; round < shape.Repeat; round++)
        {
            var order = TurnOrder(engines.Count, round);
            progress($"  round {round + 1} of {shape.Repeat}: {string.Join(", ", order.Select(i => engines[i].Name))}{(bandwidthWindow is null ? "" : ", a bandwidth window before and after the round")}");
            var before = lastWindow;
            foreach (int i in order)
            {
                turns[i] = engines[i].Engine.Round(batch, shape.PromptTokens, shape.DecodeSteps);
            }

            lastWindow = bandwidthWindow?.Invoke();
            var beside = before is null || lastWindow is null ? null : MemoryBandwidthProbe.Best(before, lastWindow);
            for (int i = 0; i < engines.Count; i++)
            {
                fastest[i] = round == 0 ? (turns[i], beside)
                    : (RoundTimes.Fastest(fastest[i].Times, turns[i]), turns[i].DecodeSeconds < fastest[i].Times.DecodeSeconds ? beside : fastest[i].Beside);
            }
        }

        return fastest;
    }

    /// <summary>
    /// The order the engines take their turns in round <paramref name="round"/>: the listed order rotated by one more
    /// each round, so that over as many rounds as engines each runs once in every position. A host that speeds up or
    /// slows down over a run then favours no engine by its place in the list (in session 35's last run with a fixed
    /// order, the host's one fast minute came at the end of the last round, in llama.cpp's turns).
    /// </summary>
    public static int[] TurnOrder(int engines, int round) =>
        [.. Enumerable.Range(0, engines).Select(k => (k + round) % engines)];

    private static void WarmUp(IRoundRunner engine, int batch, int promptTokens, int decodeSteps) =>
        engine.Round(batch, Math.Min(promptTokens, WarmUpPromptTokens), Math.Min(decodeSteps, WarmUpDecodeSteps));
}

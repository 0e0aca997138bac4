namespace Inference.Cli.Benchmarks;

/// <summary>
/// How every engine is measured, by `bench` and `bench-model` alike: per batch size an untimed short round first (so
/// tiered JIT, or a native library's first-touch costs, are behind us), then <c>repeat</c> timed rounds of which the
/// fastest prefill and the fastest decode count.
/// </summary>
public static class ThroughputProtocol
{
    private const int WarmUpPromptTokens = 32;
    private const int WarmUpDecodeSteps = 4;

    public static RoundTimes Measure(IRoundRunner engine, int batch, int promptTokens, int decodeSteps, int repeat)
    {
        engine.Round(batch, Math.Min(promptTokens, WarmUpPromptTokens), Math.Min(decodeSteps, WarmUpDecodeSteps));
        var fastest = engine.Round(batch, promptTokens, decodeSteps);
        for (int i = 1; i < repeat; i++)
        {
            fastest = RoundTimes.Fastest(fastest, engine.Round(batch, promptTokens, decodeSteps));
        }

        return fastest;
    }

    /// <summary>
    /// The three figures `bench` reports: prefill tokens/s of one prompt, and decode tokens/s of one sequence and of
    /// <see cref="BenchShape.ConcurrentSequences"/> sequences decoding together.
    /// </summary>
    public static EngineThroughput Run(IRoundRunner engine, BenchShape shape, Action<string> progress)
    {
        progress($"1 sequence: {shape.PromptTokens}-token prompt, {shape.DecodeSteps} decode steps");
        var one = Measure(engine, 1, shape.PromptTokens, shape.DecodeSteps, shape.Repeat);
        progress($"{shape.ConcurrentSequences} sequences: {shape.PromptTokens}-token prompts, {shape.DecodeSteps} decode steps");
        var many = Measure(engine, shape.ConcurrentSequences, shape.PromptTokens, shape.DecodeSteps, shape.Repeat);
        return new EngineThroughput(
            shape.PromptTokens / one.PrefillSeconds,
            shape.DecodeSteps / one.DecodeSeconds,
            (double)shape.ConcurrentSequences * shape.DecodeSteps / many.DecodeSeconds);
    }
}

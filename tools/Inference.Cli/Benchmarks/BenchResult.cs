namespace Inference.Cli.Benchmarks;

/// <summary>One engine on one weight format, with each figure set against the machine's limits.</summary>
/// <param name="Engine">"ours" or "llama.cpp".</param>
/// <param name="Format">"bf16", "f16" or "q8_0".</param>
/// <param name="E2e16Tps">Ours only: the concurrent streams' decode rate through `serve`.</param>
/// <param name="E2e16InProcessTps">Ours only: the in-process 16-sequence decode rate of the rounds run between the end-to-end ones, which the end-to-end rate is set against.</param>
/// <param name="PrefillPeakFraction">Prefill FLOP/s over the measured fp32 FMA peak.</param>
/// <param name="Decode16PeakFraction">16-sequence decode FLOP/s over the measured fp32 FMA peak: batched decode is bound by arithmetic, as prefill is.</param>
/// <param name="Decode1BandwidthFraction">Bytes of weights read per second in 1-sequence decode over the measured read bandwidth (the best window of the run).</param>
/// <param name="Decode1BesideFraction">
/// The same bytes per second over the bandwidth measured right beside the fastest 1-sequence round (the better of the
/// windows just before and just after it), where `bench` measured them: the host's bandwidth moves from one minute to
/// the next, and this sets the round against the memory it had.
/// </param>
public sealed record BenchResult(
    string Engine,
    string Format,
    double PrefillTps,
    double Decode1Tps,
    double Decode16Tps,
    double? E2e16Tps,
    double? E2e16InProcessTps,
    double PrefillGflops,
    double PrefillPeakFraction,
    double Decode1GigabytesPerSecond,
    double Decode1BandwidthFraction,
    double Decode16Gflops,
    double Decode16PeakFraction,
    string InstructionSets,
    double? Decode1BesideFraction = null)
{
    /// <summary>The same figures set against other limits.</summary>
    public BenchResult AgainstLimits(MachineLimits limits) => this with
    {
        PrefillPeakFraction = PrefillGflops * 1e9 / limits.Fma.FlopsPerSecond,
        Decode1BandwidthFraction = Decode1GigabytesPerSecond * 1e9 / limits.ReadBytesPerSecond,
        Decode16PeakFraction = Decode16Gflops * 1e9 / limits.Fma.FlopsPerSecond,
    };

    public static BenchResult From(string engine, string format, EngineThroughput throughput, double? e2e16Tps, double? e2e16InProcessTps, ModelCost cost,
        BenchShape shape, MachineLimits limits, string instructionSets)
    {
        double prefillFlops = cost.PrefillFlops(shape.PromptTokens) / shape.PromptTokens * throughput.PrefillTps;
        double decodeBytes = cost.DecodeBytesPerToken(format) * throughput.Decode1Tps;
        double decode16Flops = cost.DecodeFlopsPerToken(shape.PromptTokens, shape.DecodeSteps) * throughput.Decode16Tps;
        return new BenchResult(engine, format, throughput.PrefillTps, throughput.Decode1Tps, throughput.Decode16Tps, e2e16Tps, e2e16InProcessTps,
            prefillFlops / 1e9, prefillFlops / limits.Fma.FlopsPerSecond,
            decodeBytes / 1e9, decodeBytes / limits.ReadBytesPerSecond,
            decode16Flops / 1e9, decode16Flops / limits.Fma.FlopsPerSecond, instructionSets,
            throughput.Decode1BandwidthBeside is { } beside ? decodeBytes / beside.BytesPerSecond : null);
    }
}

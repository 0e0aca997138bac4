namespace Inference.Cli.Benchmarks;

/// <summary>Tokens per second: one prompt's prefill, one sequence's decode, and the concurrent batch's decode (all its sequences' tokens).</summary>
/// <param name="Decode1BandwidthBeside">
/// The read bandwidth measured right beside the fastest 1-sequence round: the better of the probe's windows just before
/// and just after it, where `bench` measured them.
/// </param>
public sealed record EngineThroughput(double PrefillTps, double Decode1Tps, double Decode16Tps, ReadBandwidth? Decode1BandwidthBeside = null);

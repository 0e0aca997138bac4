namespace Inference.Cli.Benchmarks;

/// <summary>Tokens per second: one prompt's prefill, one sequence's decode, and the concurrent batch's decode (all its sequences' tokens).</summary>
public sealed record EngineThroughput(double PrefillTps, double Decode1Tps, double Decode16Tps);

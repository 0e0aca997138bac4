namespace Inference.Cli.Benchmarks;

/// <summary>What one `bench` run measures: prompt length, decode steps, the concurrent batch, and timed rounds per figure.</summary>
public sealed record BenchShape(int PromptTokens, int DecodeSteps, int ConcurrentSequences, int Repeat);

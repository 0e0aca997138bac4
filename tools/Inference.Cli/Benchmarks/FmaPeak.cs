namespace Inference.Cli.Benchmarks;

/// <summary>FLOP per second: the best width, and each width measured (Vector512 null where the runtime does not accelerate it).</summary>
public sealed record FmaPeak(double FlopsPerSecond, double Vector256FlopsPerSecond, double? Vector512FlopsPerSecond);

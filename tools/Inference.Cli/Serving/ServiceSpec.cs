namespace Inference.Cli.Serving;

/// <summary>How to start one service: the same executable and environment (port included) on every restart.</summary>
public sealed record ServiceSpec(string Name, string Executable, IReadOnlyDictionary<string, string> Environment);

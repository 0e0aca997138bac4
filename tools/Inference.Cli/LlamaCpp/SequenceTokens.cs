namespace Inference.Cli.LlamaCpp;

/// <summary>Tokens of one sequence in a batch, the first at <paramref name="Position"/>.</summary>
public sealed record SequenceTokens(int Sequence, int Position, IReadOnlyList<int> Tokens);

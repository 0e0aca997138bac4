namespace Inference.Grammar;

/// <summary>Limits and choices of the grammar compiler.</summary>
public sealed class GrammarCompilerOptions
{
    /// <summary>
    /// Most whitespace bytes (space, tab, newline) allowed at each place JSON allows whitespace. Bounded, so a model
    /// cannot loop on whitespace and a generation always reaches valid output; 0 gives compact JSON. Default 16
    /// (room for pretty-printed JSON a few levels deep).
    /// </summary>
    public int MaxWhitespace { get; init; } = 16;

    /// <summary>Largest count a bounded repetition may expand to (maxLength, maxItems, regex {m,n}); beyond it the
    /// schema or regex is refused. Default 1000.</summary>
    public int MaxRepetition { get; init; } = 1000;

    /// <summary>Largest automaton, in states, of one grammar. Default 200,000.</summary>
    public int MaxStates { get; init; } = 200_000;

    /// <summary>Compiled grammars kept by <see cref="GrammarCompiler"/> (least recently used evicted). Default 128.</summary>
    public int CacheCapacity { get; init; } = 128;
}

namespace Inference.Grammar;

/// <summary>A regular expression using a feature the engine refuses (lookaround, backreference, ...) or malformed.</summary>
public sealed class UnsupportedRegexException(string feature, int position, string pattern)
    : GrammarException($"regex feature '{feature}' at offset {position} is not supported (pattern \"{pattern}\")")
{
    /// <summary>The refused feature ("lookahead", "backreference", ...).</summary>
    public string Feature { get; } = feature;
}

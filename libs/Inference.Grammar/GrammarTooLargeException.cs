namespace Inference.Grammar;

/// <summary>A grammar whose automaton would exceed the configured size (a huge repetition count or an exploding regex).</summary>
public sealed class GrammarTooLargeException(string message) : GrammarException(message);

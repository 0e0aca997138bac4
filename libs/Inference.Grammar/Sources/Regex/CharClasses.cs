using Inference.Grammar.Automata;

namespace Inference.Grammar.Sources.Regex;

/// <summary>The ASCII shorthand classes (as Python's <c>re.ASCII</c> and ECMAScript define them).</summary>
internal static class CharClasses
{
    public static CodepointSet Digit() => CodepointSet.Of(('0', '9'));

    public static CodepointSet Word() => CodepointSet.Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));

    public static CodepointSet Space() => CodepointSet.Of(('\t', '\r'), (' ', ' '));

    /// <summary><c>.</c>: any character but a newline.</summary>
    public static CodepointSet Dot() => CodepointSet.Of(('\n', '\n')).Complement();
}

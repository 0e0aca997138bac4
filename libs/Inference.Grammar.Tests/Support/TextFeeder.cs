using System.Text;

namespace Inference.Grammar.Tests.Support;

/// <summary>Feeds text to a matcher one byte-token at a time (every single byte is a token in byte-level BPE).</summary>
internal static class TextFeeder
{
    private static readonly Lazy<int[]> ByteTokens = new(() =>
    {
        var tokens = new int[256];
        Array.Fill(tokens, -1);
        for (int id = 0; id < Qwen.Vocabulary.Size; id++)
        {
            if (Qwen.Vocabulary.IsNormal(id) && Qwen.Vocabulary.GetBytes(id).Length == 1)
            {
                tokens[Qwen.Vocabulary.GetBytes(id)[0]] = id;
            }
        }
        return tokens;
    });

    /// <summary>True when every byte was accepted and the matcher may end there.</summary>
    public static bool AcceptsWhole(CompiledGrammar grammar, string text)
    {
        var matcher = new GrammarMatcher(grammar);
        return Feed(matcher, text) && matcher.CanTerminate;
    }

    public static bool Feed(GrammarMatcher matcher, string text)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (!matcher.AcceptToken(ByteTokens.Value[b]))
            {
                return false;
            }
        }
        return true;
    }
}

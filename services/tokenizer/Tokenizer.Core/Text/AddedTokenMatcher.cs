using System.Buffers;

namespace Tokenizer.Core.Text;

/// <summary>
/// Finds added tokens in text the way Hugging Face's added vocabulary does (Aho-Corasick, leftmost-longest):
/// the earliest match wins, and among matches starting there the longest.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<char> _firstChars;
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>The next added token at or after <paramref name="start"/>, or null.</summary>
    public (int Index, AddedToken Token)? FindNext(string text, int start)
    {
        int position = start;
        while (position < text.Length)
        {
            int found = text.AsSpan(position).IndexOfAny(_firstChars);
            if (found < 0)
            {
                return null;
            }
            position += found;
            foreach (AddedToken token in _byFirstChar[text[position]])
            {
                if (text.AsSpan(position).StartsWith(token.Content, StringComparison.Ordinal))
                {
                    return (position, token);
                }
            }
            position++;
        }
        return null;
    }
}

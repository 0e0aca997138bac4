namespace Tokenizer.Core.Streaming;

/// <summary>
/// Finds stop strings in not-yet-emitted text, and how much of its end must be held back because it could
/// still become a stop string.
/// </summary>
internal sealed class StopStringMatcher
{
    private readonly string[] _stops;

    public StopStringMatcher(IEnumerable<string> stops)
    {
        _stops = stops.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    }

    public bool IsEmpty => _stops.Length == 0;

    /// <summary>
    /// The match that completes first (smallest end), ties to the earliest start; so the answer does not depend
    /// on how the ids were batched, and equals checking after every character as vLLM does per token.
    /// </summary>
    /// <param name="text">Text not yet emitted.</param>
    /// <param name="protectedLength">
    /// A match must end after this many leading characters (text of the first min_tokens tokens, where vLLM does
    /// not look for stop strings); it may still start inside them, as in vLLM.
    /// </param>
    public (int Index, string Stop)? FindFirst(string text, int protectedLength = 0)
    {
        (int Index, string Stop)? best = null;
        foreach (string stop in _stops)
        {
            int start = Math.Max(0, protectedLength - stop.Length + 1);
            int index = start >= text.Length ? -1 : text.IndexOf(stop, start, StringComparison.Ordinal);
            if (index < 0)
            {
                continue;
            }
            int end = index + stop.Length;
            if (best is not { } b || end < b.Index + b.Stop.Length || (end == b.Index + b.Stop.Length && index < b.Index))
            {
                best = (index, stop);
            }
        }
        return best;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    public int HoldBackLength(string text)
    {
        int longest = 0;
        foreach (string stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}

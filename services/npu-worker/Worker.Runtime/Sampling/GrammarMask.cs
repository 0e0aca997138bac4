using Inference.Grammar;

namespace Worker.Runtime.Sampling;

/// <summary>
/// Structured output's logit edit: every token the request's grammar does not allow next becomes -inf. The matcher's
/// mask allows end-of-sequence only when the output is a complete match, and nothing else once no more text can
/// follow, so generation stops there.
/// </summary>
public sealed class GrammarMask
{
    private ulong[] _words = [];

    public void Apply(Span<float> logits, GrammarMatcher matcher)
    {
        int needed = Math.Max(matcher.MaskWords, (logits.Length + 63) >> 6);
        if (_words.Length < needed)
        {
            _words = new ulong[needed];
        }

        var words = _words.AsSpan(0, needed);
        matcher.FillNextTokenMask(words);
        for (int i = 0; i < logits.Length; i++)
        {
            if ((words[i >> 6] & (1UL << (i & 63))) == 0)
            {
                logits[i] = float.NegativeInfinity;
            }
        }
    }
}

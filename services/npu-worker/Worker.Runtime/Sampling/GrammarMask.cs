using Inference.Grammar;

namespace Worker.Runtime.Sampling;

/// <summary>
/// Structured output's logit edit: every token the request's grammar does not allow next becomes -inf. The matcher's
/// mask allows end-of-sequence only when the output is a complete match, and nothing else once no more text can
/// follow, so generation stops there. The mask of a step can be filled ahead (<see cref="Prepare"/>, while the
/// forward pass runs, as vLLM computes its bitmasks during the step) and is then applied without touching the matcher.
/// </summary>
public sealed class GrammarMask
{
    private ulong[] _words = [];
    private bool _prepared;

    /// <summary>Fills the mask of the matcher's next token now, for <see cref="Apply"/> to use.</summary>
    public void Prepare(GrammarMatcher matcher, int vocabSize)
    {
        Fill(matcher, vocabSize);
        _prepared = true;
    }

    /// <summary>Masks the logits with the prepared mask, or with one filled now when none was prepared.</summary>
    public void Apply(Span<float> logits, GrammarMatcher matcher)
    {
        var words = _prepared ? _words : Fill(matcher, logits.Length);
        _prepared = false;
        // Word by word: masks are mostly all-refused or all-allowed words, which cost one fill or nothing.
        for (int start = 0, w = 0; start < logits.Length; start += 64, w++)
        {
            ulong word = words[w];
            int count = Math.Min(64, logits.Length - start);
            if (word == 0)
            {
                logits.Slice(start, count).Fill(float.NegativeInfinity);
            }
            else if (word != ulong.MaxValue)
            {
                for (int bit = 0; bit < count; bit++)
                {
                    if ((word & (1UL << bit)) == 0)
                    {
                        logits[start + bit] = float.NegativeInfinity;
                    }
                }
            }
        }
    }

    private ulong[] Fill(GrammarMatcher matcher, int vocabSize)
    {
        int needed = Math.Max(matcher.MaskWords, (vocabSize + 63) >> 6);
        if (_words.Length < needed)
        {
            _words = new ulong[needed];
        }

        matcher.FillNextTokenMask(_words.AsSpan(0, needed));
        return _words;
    }
}

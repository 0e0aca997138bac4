namespace Scheduler.Core.Speculation;

/// <summary>
/// vLLM's n-gram proposer (prompt lookup decoding): the sequence's last n tokens, for n from the largest size down to
/// the smallest, are looked for earlier in the sequence (prompt and output); at the latest earlier occurrence, the
/// tokens that followed it there are the drafts (continuing periodically past the end, see <see cref="Copy"/>). Text that repeats what came before (code edits, quoting, extraction,
/// a model looping) is drafted; anything else gets none.
/// </summary>
public static class NgramProposer
{
    /// <summary>Up to <paramref name="maxDrafts"/> drafts for what follows <paramref name="tokens"/>; empty when no n-gram recurs.</summary>
    public static int[] Propose(ReadOnlySpan<int> tokens, int minN, int maxN, int maxDrafts)
    {
        if (maxDrafts < 1)
        {
            return [];
        }

        for (int n = Math.Min(maxN, tokens.Length - 1); n >= minN; n--)
        {
            var suffix = tokens[^n..];
            // Searching all but the last token: a match ends at least one token before the end, so something follows it.
            int start = tokens[..^1].LastIndexOf(suffix);
            if (start >= 0)
            {
                return Copy(tokens, start + n, maxDrafts);
            }
        }

        return [];
    }

    /// <summary>
    /// The tokens from <paramref name="from"/> on, as the continuation: past the end of the sequence the copy reads what
    /// it has drafted so far (as an LZ77 copy overlaps itself), so a sequence that repeats with a short period, such as a
    /// loop of one token, drafts its whole length rather than the few tokens left before the end.
    /// </summary>
    private static int[] Copy(ReadOnlySpan<int> tokens, int from, int count)
    {
        var drafts = new int[count];
        for (int j = 0; j < count; j++)
        {
            int source = from + j;
            drafts[j] = source < tokens.Length ? tokens[source] : drafts[source - tokens.Length];
        }

        return drafts;
    }
}

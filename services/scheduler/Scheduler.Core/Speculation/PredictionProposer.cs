namespace Scheduler.Core.Speculation;

/// <summary>
/// Drafts from a request's prediction (OpenAI's Predicted Outputs): the output's last n tokens, for n from
/// <see cref="MaxMatch"/> down to 1, are looked for in the prediction, first from where the output last lined up with it
/// (so a line the prediction repeats is followed in order), else anywhere; the prediction's tokens after the match are
/// the drafts. An output that has left the prediction drafts again once its last tokens reappear there.
/// </summary>
public static class PredictionProposer
{
    /// <summary>The longest output suffix looked for: long enough to tell repeated lines apart.</summary>
    public const int MaxMatch = 8;

    /// <summary>Drafts when no --speculative-config sets num_speculative_tokens: on a CPU a decode step reads every
    /// weight once, and about this many more rows cost little beside that read.</summary>
    public const int DefaultDrafts = 4;

    /// <summary>Up to <paramref name="maxDrafts"/> drafts for what follows <paramref name="output"/>; empty when its end is
    /// nowhere in the prediction or the match ends it.</summary>
    /// <param name="cursor">Where the output last lined up (a position in the prediction); moved to the end of this match.</param>
    public static int[] Propose(ReadOnlySpan<int> output, ReadOnlySpan<int> prediction, ref int cursor, int maxDrafts)
    {
        if (maxDrafts < 1 || output.IsEmpty)
        {
            return [];
        }

        for (int n = Math.Min(MaxMatch, output.Length); n >= 1; n--)
        {
            var suffix = output[^n..];
            // A match ending at the cursor or later continues where the output was; else the first anywhere.
            int from = Math.Clamp(cursor - n, 0, prediction.Length);
            int start = prediction[from..].IndexOf(suffix);
            start = start >= 0 ? from + start : prediction.IndexOf(suffix);
            if (start >= 0 && start + n < prediction.Length)
            {
                cursor = start + n;
                return prediction.Slice(cursor, Math.Min(maxDrafts, prediction.Length - cursor)).ToArray();
            }
        }

        return [];
    }
}

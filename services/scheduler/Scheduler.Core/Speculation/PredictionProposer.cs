namespace Scheduler.Core.Speculation;

/// <summary>
/// Drafts from a request's prediction (OpenAI's Predicted Outputs). While the output lines up with the prediction (its
/// last token was the prediction's next one), the drafts are what follows in the prediction. An output that left it
/// lines up again once its last n tokens, n from <see cref="MaxMatch"/> down to <see cref="MinResync"/>, appear in the
/// prediction: first from where it last lined up (so a line the prediction repeats is followed in order), else
/// anywhere. A single token is too weak a sign to jump to (a space or a comma appears everywhere, and drafts that are
/// rejected cost a step more rows).
/// </summary>
public static class PredictionProposer
{
    /// <summary>The longest output suffix looked for: long enough to tell repeated lines apart.</summary>
    public const int MaxMatch = 8;

    /// <summary>The shortest output suffix that lines the output up with the prediction again.</summary>
    public const int MinResync = 3;

    /// <summary>Drafts when no --speculative-config sets num_speculative_tokens: on a CPU a decode step reads every
    /// weight once, and about this many more rows cost little beside that read.</summary>
    public const int DefaultDrafts = 4;

    /// <summary>Up to <paramref name="maxDrafts"/> drafts for what follows <paramref name="output"/>; empty when it does
    /// not line up with the prediction or the prediction ends there.</summary>
    /// <param name="cursor">The position in the prediction after the output's last lined-up token; moved where it lines up again.</param>
    /// <param name="aligned">The output's last token was the prediction's token before <paramref name="cursor"/>; set when it lines up again.</param>
    public static int[] Propose(ReadOnlySpan<int> output, ReadOnlySpan<int> prediction, ref int cursor, ref bool aligned, int maxDrafts)
    {
        if (maxDrafts < 1 || output.IsEmpty)
        {
            return [];
        }

        if (!aligned)
        {
            int n = Math.Min(MaxMatch, output.Length), start = -1;
            while (n >= MinResync && (start = Find(output[^n..], prediction, cursor)) < 0)
            {
                n--;
            }

            if (start < 0)
            {
                return [];
            }

            cursor = start + n;
            aligned = true;
        }

        return cursor < prediction.Length ? prediction.Slice(cursor, Math.Min(maxDrafts, prediction.Length - cursor)).ToArray() : [];
    }

    /// <summary>Where <paramref name="suffix"/> starts in the prediction: a match ending at the cursor or later (the
    /// output goes on from where it was), else the first anywhere; -1 when it is nowhere.</summary>
    private static int Find(ReadOnlySpan<int> suffix, ReadOnlySpan<int> prediction, int cursor)
    {
        int from = Math.Clamp(cursor - suffix.Length, 0, prediction.Length);
        int start = prediction[from..].IndexOf(suffix);
        return start >= 0 ? from + start : prediction.IndexOf(suffix);
    }
}

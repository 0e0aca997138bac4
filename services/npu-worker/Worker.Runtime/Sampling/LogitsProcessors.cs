using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>
/// Logit edits before token choice: the allowed ids (vLLM's allowed_token_ids), OpenAI's logit_bias, banned ids,
/// bad words (vLLM), repetition (HF), then presence and frequency (OpenAI) penalties.
/// </summary>
public static class LogitsProcessors
{
    /// <summary>Whether <see cref="Apply"/> can change any logit under these parameters (false: the logits stay as they are).</summary>
    public static bool Edits(SamplingParams p) =>
        p.AllowedTokenIds is { Count: > 0 } || p.LogitBias is { Count: > 0 } || p.BannedTokenIds is { Count: > 0 }
        || p.BadWords is { Count: > 0 } || (p.RepetitionPenalty > 0 && p.RepetitionPenalty != 1f)
        || p.PresencePenalty != 0 || p.FrequencyPenalty != 0;

    public static void Apply(Span<float> logits, SamplingParams p, SequenceSamplingState state)
    {
        if (p.AllowedTokenIds is { Count: > 0 } allowed)
        {
            KeepOnly(logits, allowed);
        }

        if (p.LogitBias is { Count: > 0 } bias)
        {
            foreach (var (id, value) in bias)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    logits[id] += value;
                }
            }
        }

        if (p.BannedTokenIds is { Count: > 0 } banned)
        {
            foreach (int id in banned)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    logits[id] = float.NegativeInfinity;
                }
            }
        }

        if (p.BadWords is { Count: > 0 } badWords)
        {
            BanBadWordEnds(logits, badWords, state.OutputTokens);
        }

        // Repetition penalty over prompt + output: divide positive logits, multiply negative ones.
        if (p.RepetitionPenalty > 0 && p.RepetitionPenalty != 1f)
        {
            foreach (int id in state.SeenTokens)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    float l = logits[id];
                    logits[id] = l > 0 ? l / p.RepetitionPenalty : l * p.RepetitionPenalty;
                }
            }
        }

        // logit -= frequency * count + presence * [count > 0], over generated tokens only.
        if (p.PresencePenalty != 0 || p.FrequencyPenalty != 0)
        {
            foreach (var (id, count) in state.OutputCounts)
            {
                if ((uint)id < (uint)logits.Length)
                {
                    logits[id] -= p.FrequencyPenalty * count + p.PresencePenalty;
                }
            }
        }
    }

    /// <summary>A bad word's last token becomes -inf where the output ends with the word's other tokens (always for one token).</summary>
    private static void BanBadWordEnds(Span<float> logits, IReadOnlyList<IReadOnlyList<int>> badWords, IReadOnlyList<int> output)
    {
        foreach (var word in badWords)
        {
            int prefix = word.Count - 1;
            if (prefix > output.Count || (uint)word[prefix] >= (uint)logits.Length)
            {
                continue;
            }

            bool matches = true;
            for (int i = 0; i < prefix && matches; i++)
            {
                matches = output[output.Count - prefix + i] == word[i];
            }

            if (matches)
            {
                logits[word[prefix]] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Every logit but the allowed ids' becomes -inf.</summary>
    private static void KeepOnly(Span<float> logits, IReadOnlyList<int> allowed)
    {
        Span<float> kept = allowed.Count <= 1024 ? stackalloc float[allowed.Count] : new float[allowed.Count];
        for (int i = 0; i < allowed.Count; i++)
        {
            kept[i] = (uint)allowed[i] < (uint)logits.Length ? logits[allowed[i]] : float.NegativeInfinity;
        }

        logits.Fill(float.NegativeInfinity);
        for (int i = 0; i < allowed.Count; i++)
        {
            if ((uint)allowed[i] < (uint)logits.Length)
            {
                logits[allowed[i]] = kept[i];
            }
        }
    }
}

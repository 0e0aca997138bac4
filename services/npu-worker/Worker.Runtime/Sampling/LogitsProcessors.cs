using Inference.Abstractions.Execution;

namespace Worker.Runtime.Sampling;

/// <summary>Logit edits before token choice: banned ids, repetition (HF), then presence and frequency (OpenAI) penalties.</summary>
public static class LogitsProcessors
{
    public static void Apply(Span<float> logits, SamplingParams p, SequenceSamplingState state)
    {
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
}

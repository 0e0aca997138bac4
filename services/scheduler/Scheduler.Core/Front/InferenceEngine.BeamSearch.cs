using System.Runtime.CompilerServices;
using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core;

public sealed partial class InferenceEngine
{
    /// <summary>
    /// vLLM's beam search, as its serving layer runs it over the engine: each step asks every live beam for its next
    /// token's 2 × width most likely alternatives (a one-token request whose prompt is the beam; the prefix cache holds
    /// what earlier steps computed, so only the beam's last block is computed again), extends each beam by each of them
    /// (cumulative logprob summed), sets aside the extensions that end in EOS as complete, and keeps the width best of the
    /// others. At the end the complete and live beams are ranked by cumulative logprob / length^length_penalty (length
    /// with the prompt, less a final EOS) and the width best are the request's completions, each answered once.
    /// </summary>
    private async IAsyncEnumerable<GenerationOutput> BeamSearchAsync(
        string requestId,
        IReadOnlyList<int> promptIds,
        GenerationParams p,
        int priority,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ReserveRequestId(requestId);
        try
        {
            var width = p.N;
            var maxTokens = ToStopping(p, promptIds.Count).MaxTokens;
            var endOfSequence = p.IgnoreEos ? [] : ExecutorInfo.EosTokenIds.ToHashSet();
            var live = new List<Beam> { new([], 0) };
            var complete = new List<Beam>();
            var cachedPromptTokens = 0;
            var aborted = false;
            for (var step = 0; step < maxTokens && live.Count > 0; step++)
            {
                if (_liveRequestIds.TryGetValue(requestId, out var state) && state == AbortRequested)
                {
                    aborted = true;
                    break;
                }

                var nextTokens = live.Select((beam, b) => NextTokenAlternativesAsync(
                    $"{requestId}-beam{step}.{b}", [.. promptIds, .. beam.Tokens.Select(t => t.TokenId)], 2 * width, priority, p.CacheSalt,
                    p.LoraName, cancellationToken)).ToArray();
                var answers = await Task.WhenAll(nextTokens);
                if (answers.Any(a => a is null))
                {
                    // The engine shut down under the step.
                    aborted = true;
                    break;
                }

                if (step == 0)
                {
                    cachedPromptTokens = answers[0]!.Value.CachedTokens;
                }

                var extended = new List<Beam>();
                for (var b = 0; b < live.Count; b++)
                {
                    foreach (var alternative in answers[b]!.Value.Alternatives)
                    {
                        var beam = live[b].Extend(alternative);
                        (endOfSequence.Contains(alternative.TokenId) ? complete : extended).Add(beam);
                    }
                }

                // OrderByDescending is stable: among equal logprobs the earlier beam's extension stays ahead, as in vLLM.
                live = [.. extended.OrderByDescending(beam => beam.CumulativeLogprob).Take(width)];
            }

            var lengthPenalty = p.LengthPenalty ?? 1f;
            var best = complete.Concat(live)
                .OrderByDescending(beam => beam.Score(promptIds.Count, lengthPenalty, endOfSequence))
                .Take(width)
                .ToArray();
            for (var index = 0; index < width; index++)
            {
                if (aborted || index >= best.Length)
                {
                    yield return new GenerationOutput(requestId, [], "", FinishReason.Abort, null,
                        new GenerationUsage(promptIds.Count, 0, cachedPromptTokens), promptIds, index);
                    continue;
                }

                var beam = best[index];
                var ended = beam.Tokens.Count > 0 && endOfSequence.Contains(beam.Tokens[^1].TokenId);
                var text = await _tokenizer.DecodeAsync([.. beam.Tokens.Select(t => t.TokenId)], p.SkipSpecialTokens, cancellationToken);
                yield return new GenerationOutput(requestId, beam.Tokens, text, ended ? FinishReason.Stop : FinishReason.Length, null,
                    new GenerationUsage(promptIds.Count, beam.Tokens.Count, cachedPromptTokens), promptIds, index);
            }
        }
        finally
        {
            _liveRequestIds.TryRemove(requestId, out _);
        }
    }

    /// <summary>The <paramref name="count"/> most likely next tokens after <paramref name="tokenIds"/> (raw logprobs, best
    /// first), from a one-token engine request; null when the engine shut down before answering.</summary>
    private async Task<(IReadOnlyList<TokenLogprob> Alternatives, int CachedTokens)?> NextTokenAlternativesAsync(
        string requestId, IReadOnlyList<int> tokenIds, int count, int priority, string? cacheSalt, string? loraName,
        CancellationToken cancellationToken)
    {
        ReserveRequestId(requestId);
        try
        {
            var engineRequest = new EngineRequest(requestId, tokenIds, SamplingParams.Greedy with { Logprobs = count },
                new StoppingCriteria(MaxTokens: 1, IgnoreEos: true), priority, _time.GetTimestamp(), cacheSalt, loraName: loraName, loraLoadId: LoadIdOf(loraName));
            await foreach (var output in RunEngineRequestAsync(engineRequest, cancellationToken))
            {
                if (output.NewTokens.Count > 0)
                {
                    return (output.NewTokens[0].TopLogprobs, output.NumCachedTokens);
                }
            }

            return null;
        }
        finally
        {
            _liveRequestIds.TryRemove(requestId, out _);
        }
    }

    /// <summary>A beam: its generated tokens (each with its logprob) and their summed logprob.</summary>
    private sealed record Beam(IReadOnlyList<GeneratedToken> Tokens, double CumulativeLogprob)
    {
        public Beam Extend(TokenLogprob next) =>
            new([.. Tokens, new GeneratedToken(next.TokenId, next.Logprob, [])], CumulativeLogprob + next.Logprob);

        /// <summary>vLLM's beam score: cumulative logprob / length^penalty, the length counting the prompt and not a final EOS.</summary>
        public double Score(int promptLength, float lengthPenalty, IReadOnlySet<int> endOfSequence)
        {
            var length = promptLength + Tokens.Count;
            if (Tokens.Count > 0 && endOfSequence.Contains(Tokens[^1].TokenId))
            {
                length--;
            }

            return CumulativeLogprob / Math.Pow(length, lengthPenalty);
        }
    }
}

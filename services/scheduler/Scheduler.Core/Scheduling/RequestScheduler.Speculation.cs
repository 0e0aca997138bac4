using Inference.Abstractions.Execution;
using Scheduler.Core.Speculation;

namespace Scheduler.Core.Scheduling;

/// <summary>
/// N-gram speculative decoding (<see cref="SchedulerConfig.Speculative"/>): a running request that decodes greedily gets
/// draft tokens from its own tokens (<see cref="NgramProposer"/>); the worker runs them with its last token and answers
/// the drafts it accepts and one more token, so the request moves by one to 1 + k tokens in the step.
/// </summary>
public sealed partial class RequestScheduler
{
    /// <summary>The drafts of the steps applied by the last <see cref="UpdateFromOutput"/>.</summary>
    public SpeculationStats LastSpeculation { get; } = new();

    /// <summary>
    /// Drafts for the request's next decode, or none: only for a request the worker holds, decoding (its last token is
    /// the one to run) with nothing in flight, that samples greedily without structured output and past min_tokens (so
    /// every position samples alike, and the worker's verification gives exactly the tokens of one-at-a-time decoding),
    /// while fewer requests than disable_by_batch_size run; as many as fit max_tokens, the model length and the budget
    /// (the last known token takes one).
    /// </summary>
    private int[] ProposeDrafts(EngineRequest request, int budget)
    {
        if (_config.Speculative is not { } speculative
            || request.Pooling is not null
            || !request.IsKnownToExecutor
            || request.NumPendingTokens > 0
            || request.NumComputedTokens != request.NumTokens - 1
            || request.NumOutputTokens < Math.Max(1, request.Stopping.MinTokens)
            || !request.Sampling.IsGreedy
            || request.Sampling.StructuredOutput is not null
            || _running.Count >= (speculative.DisableByBatchSize ?? int.MaxValue))
        {
            return [];
        }

        var room = Math.Min(
            Math.Min(speculative.NumSpeculativeTokens, budget - 1),
            Math.Min(request.Stopping.MaxTokens - request.NumOutputTokens - 1, _config.MaxModelLength - request.NumTokens - 1));
        return NgramProposer.Propose(request.TokenSpan(0, request.NumTokens), speculative.PromptLookupMin, speculative.PromptLookupMax, room);
    }

    /// <summary>
    /// The worker's answer to a decode with drafts: its accepted drafts, in order, then one token of its own. Checked
    /// against the drafts (a worker that answers otherwise is faulty), applied token by token until one ends the request;
    /// the positions of rejected drafts are no longer computed, and only blocks full of accepted tokens are cached.
    /// </summary>
    private void ApplyVerifiedDrafts(EngineRequest request, int[] drafts, IReadOnlyList<SampledToken> tokens, List<EngineOutput> outputs)
    {
        request.NumPendingTokens--;
        var published = new List<SampledToken>(tokens.Count);
        FinishReason? finish = null;
        foreach (var token in tokens)
        {
            request.AppendOutputToken(token.TokenId);
            published.Add(token);
            if ((finish = CheckStop(request, token.TokenId)) is not null)
            {
                break;
            }
        }

        LastSpeculation.Add(drafts.Length, tokens.Count - 1);
        // The newest token is not computed yet, as after any decode; the positions past it held rejected drafts.
        request.NumComputedTokens = request.NumTokens - 1;
        KvCache.CacheBlocks(request, request.NumComputedTokens);
        if (finish is { } reason)
        {
            Finish(request, reason);
        }

        outputs.Add(ToOutput(request, published));
    }

    /// <summary>Whether the worker's tokens answer the drafts: between one and one more than the drafts, every one but the
    /// last equal to its draft, and the last unequal to the draft it replaces (else it would have been accepted).</summary>
    private static void CheckVerified(long stepId, EngineRequest request, int[] drafts, IReadOnlyList<SampledToken> tokens)
    {
        var accepted = tokens.Count - 1;
        var valid = tokens.Count >= 1 && accepted <= drafts.Length
            && Enumerable.Range(0, accepted).All(i => tokens[i].TokenId == drafts[i])
            && (accepted == drafts.Length || tokens[accepted].TokenId != drafts[accepted]);
        if (!valid)
        {
            throw new ExecutorFaultException(
                $"Executor answered drafts [{string.Join(", ", drafts)}] of request {request.RequestId} in step {stepId} with tokens [{string.Join(", ", tokens.Select(t => t.TokenId))}].");
        }
    }
}

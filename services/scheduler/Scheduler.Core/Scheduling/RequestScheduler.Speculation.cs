using Inference.Abstractions.Execution;
using Scheduler.Core.Speculation;

namespace Scheduler.Core.Scheduling;

/// <summary>
/// Speculative decoding: a running request (greedy or sampled, with or without structured output) gets draft tokens
/// from its prediction (<see cref="PredictionProposer"/>, OpenAI's Predicted Outputs) or, with n-gram speculative
/// decoding configured (<see cref="SchedulerConfig.Speculative"/>), from its own tokens (<see cref="NgramProposer"/>); the worker runs them with its last token and answers
/// the drafts it accepts and one more token, so the request moves by one to 1 + k tokens in the step.
/// </summary>
public sealed partial class RequestScheduler
{
    /// <summary>The drafts of the steps applied by the last <see cref="UpdateFromOutput"/>.</summary>
    public SpeculationStats LastSpeculation { get; } = new();

    /// <summary>
    /// Drafts for the request's next decode, or none: only for a request the worker holds, decoding (its last token is
    /// the one to run) with nothing in flight, past min_tokens (so every position samples alike, and the worker's
    /// verification gives exactly the tokens of one-at-a-time decoding: it samples each position as decoding would, with
    /// the request's generator, and keeps a draft only where the sample equals it; a grammar is advanced draft by draft),
    /// while fewer requests than disable_by_batch_size run; as many as fit max_tokens, the model length and the budget
    /// (the last known token takes one). A request with a prediction drafts from it where its output lines up with it,
    /// else (with --speculative-config) from its own tokens.
    /// </summary>
    private int[] ProposeDrafts(EngineRequest request, int budget)
    {
        if (!MayDraft(request) || request.NumPendingTokens > 0 || request.NumComputedTokens != request.NumTokens - 1)
        {
            return [];
        }

        var room = Math.Min(
            Math.Min(_config.Speculative?.NumSpeculativeTokens ?? PredictionProposer.DefaultDrafts, budget - 1),
            Math.Min(request.Stopping.MaxTokens - request.NumOutputTokens - 1, _config.MaxModelLength - request.NumTokens - 1));
        var (cursor, aligned) = (request.PredictionCursor, request.PredictionAligned);
        var drafts = Draft(request, room, ref cursor, ref aligned);
        (request.PredictionCursor, request.PredictionAligned) = (cursor, aligned);
        return drafts;
    }

    /// <summary>The prediction's drafts where the output lines up with it, else the n-gram lookup's (with its config).</summary>
    private int[] Draft(EngineRequest request, int room, ref int cursor, ref bool aligned)
    {
        if (request.PredictionTokenIds is { } prediction)
        {
            var fromPrediction = PredictionProposer.Propose(
                request.TokenSpan(request.NumPromptTokens, request.NumOutputTokens), prediction, ref cursor, ref aligned, room);
            if (fromPrediction.Length > 0)
            {
                return fromPrediction;
            }
        }

        return _config.Speculative is { } speculative
            ? NgramProposer.Propose(request.TokenSpan(0, request.NumTokens), speculative.PromptLookupMin, speculative.PromptLookupMax, room)
            : [];
    }

    /// <summary>
    /// With async scheduling, whether the request sits this step out: its drafts are in flight (how far it moves is known
    /// only from their result), or a step in flight brings its next token and its text already repeats itself (or lines
    /// up with its prediction), so that it will draft from that token on, which needs the token first. A request that
    /// would not draft keeps decoding a token a step, planned while the step before runs.
    /// </summary>
    private bool WaitsToDraft(EngineRequest request)
    {
        if (request.HasDraftsInFlight)
        {
            return true;
        }

        // After the pending token there must be room for a draft and the token after it.
        var known = request.NumTokens + request.NumPendingTokens;
        if (request.NumPendingTokens == 0 || !MayDraft(request)
            || request.NumOutputTokens + request.NumPendingTokens >= request.Stopping.MaxTokens - 1 || known >= _config.MaxModelLength - 1)
        {
            return false;
        }

        var (cursor, aligned) = (request.PredictionCursor, request.PredictionAligned);
        return Draft(request, 1, ref cursor, ref aligned).Length > 0;
    }

    /// <summary>The request's kind allows drafts: speculative decoding is configured or the request has a prediction, it
    /// samples tokens (not an embedding), the executor holds it, it is past min_tokens, and the worker runs fewer than
    /// disable_by_batch_size requests.</summary>
    private bool MayDraft(EngineRequest request) =>
        (_config.Speculative is not null || request.PredictionTokenIds is not null)
        && request.Pooling is null
        && request.IsKnownToExecutor
        && request.NumOutputTokens >= Math.Max(1, request.Stopping.MinTokens)
        && _running.Count < (_config.Speculative?.DisableByBatchSize ?? int.MaxValue);

    /// <summary>
    /// The worker's answer to a decode with drafts: its accepted drafts, in order, then one token of its own. Checked
    /// against the drafts (a worker that answers otherwise is faulty), applied token by token until one ends the request;
    /// the positions of rejected drafts are no longer computed, and only blocks full of accepted tokens are cached.
    /// </summary>
    private void ApplyVerifiedDrafts(EngineRequest request, int[] drafts, IReadOnlyList<SampledToken> tokens, List<EngineOutput> outputs)
    {
        request.NumPendingTokens--;
        request.HasDraftsInFlight = false;
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

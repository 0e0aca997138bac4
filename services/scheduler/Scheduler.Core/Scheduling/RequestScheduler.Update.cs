using Inference.Abstractions.Execution;

namespace Scheduler.Core.Scheduling;

public sealed partial class RequestScheduler
{
    /// <summary>
    /// Applies the result of the oldest step in flight: registers newly computed full blocks in the prefix cache
    /// (every later step runs after it on the same executor, so no one reads KV still being written), appends sampled
    /// tokens and ends requests that hit a stop condition (their ids go to the next plan's
    /// FinishedRequestIds). Returns one output per request that produced a token.
    /// </summary>
    /// <exception cref="ExecutorFaultException">The result does not answer the plan (wrong step, a missing
    /// token); nothing was applied, so the caller treats it like a failed step.</exception>
    public IReadOnlyList<EngineOutput> UpdateFromOutput(StepResult result)
    {
        if (!_inFlight.TryPeek(out var step))
        {
            throw new ExecutorFaultException($"Executor answered step {result.StepId}, but no step is in flight.");
        }

        if (result.StepId != step.StepId)
        {
            throw new ExecutorFaultException($"Executor answered step {result.StepId}, expected {step.StepId}.");
        }

        // A request's tokens in order: one, or with drafts the accepted ones and one more.
        var sampled = new Dictionary<string, List<SampledToken>>(result.Sampled.Count);
        foreach (var token in result.Sampled)
        {
            if (!sampled.TryGetValue(token.RequestId, out var tokens))
            {
                sampled[token.RequestId] = tokens = new List<SampledToken>(1);
            }

            tokens.Add(token);
        }

        var pooled = new Dictionary<string, PooledOutput>(result.Pooled?.Count ?? 0);
        foreach (var output in result.Pooled ?? [])
        {
            pooled[output.RequestId] = output;
        }

        foreach (var entry in step.Entries)
        {
            if (!IsCurrent(entry) || !entry.Samples)
            {
                continue;
            }

            if (entry.Request.Pooling is null ? !sampled.ContainsKey(entry.Request.RequestId) : !pooled.ContainsKey(entry.Request.RequestId))
            {
                var what = entry.Request.Pooling is null ? "token" : "embedding";
                throw new ExecutorFaultException($"Executor returned no {what} for request {entry.Request.RequestId} in step {result.StepId}.");
            }

            if (entry.Drafts is { } drafts)
            {
                CheckVerified(result.StepId, entry.Request, drafts, sampled[entry.Request.RequestId]);
            }
            else if (entry.Request.Pooling is null && sampled[entry.Request.RequestId].Count != 1)
            {
                throw new ExecutorFaultException(
                    $"Executor returned {sampled[entry.Request.RequestId].Count} tokens for request {entry.Request.RequestId} in step {result.StepId}, which had no drafts.");
            }
        }

        var promptLogprobs = PromptLogprobsOfStep(result);

        _inFlight.Dequeue();
        LastSpeculation.Clear();
        var outputs = new List<EngineOutput>();
        foreach (var entry in step.Entries)
        {
            // A request that ended or was preempted since: its result (a token computed too many) is dropped.
            if (!IsCurrent(entry))
            {
                continue;
            }

            var request = entry.Request;
            if (entry.Drafts is { } verified)
            {
                ApplyVerifiedDrafts(request, verified, sampled[request.RequestId], outputs);
                continue;
            }

            KvCache.CacheBlocks(request, entry.ComputedAfter);
            if (promptLogprobs?.GetValueOrDefault(request.RequestId) is { } chunk)
            {
                AddPromptLogprobs(request, chunk);
            }

            if (!entry.Samples)
            {
                continue;
            }

            if (request.Pooling is not null)
            {
                request.NumPendingTokens--;
                request.Embedding = pooled[request.RequestId].Embedding;
                Finish(request, FinishReason.Stop);
                outputs.Add(ToOutput(request, []));
                continue;
            }

            var token = sampled[request.RequestId][0];
            request.NumPendingTokens--;
            request.AppendOutputToken(token.TokenId);
            var finish = CheckStop(request, token.TokenId);
            if (finish is not null)
            {
                Finish(request, finish.Value);
            }

            outputs.Add(ToOutput(request, [token]));
        }

        return outputs;
    }

    private static bool IsCurrent(InFlightEntry entry) =>
        entry.Request.Status == RequestStatus.Running && entry.Request.NumPreemptions == entry.Preemptions;

    /// <summary>Ends a request (waiting or running) as aborted, freeing its blocks. Returns its final
    /// output, or null when the id is unknown (already finished).</summary>
    public EngineOutput? Abort(string requestId)
    {
        if (!_requests.TryGetValue(requestId, out var request))
        {
            return null;
        }

        Finish(request, FinishReason.Abort);
        return ToOutput(request, []);
    }

    /// <summary>
    /// The executor is gone (its worker failed, hung or restarted): hands back every unfinished request, in
    /// arrival order and reset so that another scheduler can take it in full, and empties this one. Also
    /// returns the ids the executor may still hold state for, so that a later scheduler over the same
    /// executor instance can tell it to forget them.
    /// </summary>
    public (IReadOnlyList<EngineRequest> Requests, IReadOnlyList<string> HeldByExecutor) EvictAll()
    {
        var held = _finishedIdsToSend.Concat(_requests.Values.Where(r => r.IsKnownToExecutor).Select(r => r.RequestId)).ToArray();
        var requests = _requests.Values.OrderBy(r => r.ArrivalOrder).ToArray();
        foreach (var request in requests)
        {
            KvCache.Free(request);
            request.ResetForAnotherWorker();
        }

        _requests.Clear();
        _running.Clear();
        _waiting.Clear();
        _numWaitingTokens = 0;
        _inFlight.Clear();
        _finishedIdsToSend.Clear();
        return (requests, held);
    }

    /// <summary>Ids the executor may hold from an earlier life of this scheduler's place (see
    /// <see cref="EvictAll"/>): sent as finished with the next step so the executor frees them.</summary>
    public void ForgetHeldByExecutor(IEnumerable<string> requestIds) =>
        _finishedIdsToSend.AddRange(requestIds.Except(_finishedIdsToSend));

    private FinishReason? CheckStop(EngineRequest request, int lastTokenId)
    {
        var stopping = request.Stopping;
        if (request.NumOutputTokens >= stopping.MinTokens)
        {
            if (!stopping.IgnoreEos && _eosTokenIds.Contains(lastTokenId))
            {
                return FinishReason.Stop;
            }

            if (stopping.StopTokenIds is { } stopIds && stopIds.Contains(lastTokenId))
            {
                request.StopReason = lastTokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return FinishReason.Stop;
            }
        }

        if (request.NumOutputTokens >= stopping.MaxTokens || request.NumTokens >= _config.MaxModelLength)
        {
            return FinishReason.Length;
        }

        return null;
    }

    private void Finish(EngineRequest request, FinishReason reason)
    {
        if (request.Status == RequestStatus.Running)
        {
            _running.Remove(request);
        }
        else if (_waiting.Find(request) is { } node)
        {
            RemoveWaiting(node);
        }

        KvCache.Free(request);
        ForgetAtExecutor(request);
        request.NumPendingTokens = 0;
        request.HasDraftsInFlight = false;
        request.Status = RequestStatus.Finished;
        request.FinishReason = reason;
        _requests.Remove(request.RequestId);
    }

    /// <summary>The request's prompt logprobs go out once, with its first token.</summary>
    private static EngineOutput ToOutput(EngineRequest request, IReadOnlyList<SampledToken> tokens)
    {
        IReadOnlyList<PromptTokenLogprob>? promptLogprobs = null;
        if (tokens.Count > 0 && request.PromptLogprobs is { } collected && !request.PromptLogprobsSent)
        {
            promptLogprobs = collected.ToArray();
            request.PromptLogprobsSent = true;
        }

        return new EngineOutput(
            request.RequestId,
            tokens,
            request.FinishReason,
            request.StopReason,
            request.NumPromptTokens,
            request.NumOutputTokens,
            request.NumCachedTokens,
            promptLogprobs,
            request.Embedding,
            request.NumAcceptedPredictionTokens);
    }
}

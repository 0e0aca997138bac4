using Inference.Abstractions.Execution;

namespace Scheduler.Core.Scheduling;

public sealed partial class RequestScheduler
{
    /// <summary>
    /// Applies a step's result: registers newly computed full blocks in the prefix cache, appends sampled
    /// tokens and ends requests that hit a stop condition (their ids go to the next plan's
    /// FinishedRequestIds). Returns one output per request that produced a token.
    /// </summary>
    /// <exception cref="ExecutorFaultException">The result does not answer the plan (wrong step, a missing
    /// token); nothing was applied, so the caller treats it like a failed step.</exception>
    public IReadOnlyList<EngineOutput> UpdateFromOutput(StepResult result)
    {
        var expectedStepId = _nextStepId - 1;
        if (result.StepId != expectedStepId)
        {
            throw new ExecutorFaultException($"Executor answered step {result.StepId}, expected {expectedStepId}.");
        }

        var sampled = new Dictionary<string, SampledToken>(result.Sampled.Count);
        foreach (var token in result.Sampled)
        {
            sampled[token.RequestId] = token;
        }

        foreach (var (request, _) in _inFlight)
        {
            if (request.Status == RequestStatus.Running &&
                request.NumComputedTokens >= request.NumTokens && !sampled.ContainsKey(request.RequestId))
            {
                throw new ExecutorFaultException($"Executor returned no token for request {request.RequestId} in step {result.StepId}.");
            }
        }

        var promptLogprobs = PromptLogprobsOfStep(result);

        var outputs = new List<EngineOutput>();
        foreach (var (request, _) in _inFlight)
        {
            if (request.Status != RequestStatus.Running)
            {
                continue;
            }

            KvCache.CacheBlocks(request, request.NumComputedTokens);
            if (promptLogprobs?.GetValueOrDefault(request.RequestId) is { } chunk)
            {
                AddPromptLogprobs(request, chunk);
            }

            // Tokens come only for requests whose scheduled tokens reached the end of their known tokens.
            if (request.NumComputedTokens < request.NumTokens || !sampled.TryGetValue(request.RequestId, out var token))
            {
                continue;
            }

            request.AppendOutputToken(token.TokenId);
            var finish = CheckStop(request, token.TokenId);
            if (finish is not null)
            {
                Finish(request, finish.Value);
            }

            outputs.Add(ToOutput(request, [token]));
        }

        _inFlight.Clear();
        return outputs;
    }

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
            promptLogprobs);
    }
}

using Inference.Abstractions.Execution;
using Scheduler.Core.KvCache;
using Scheduler.Core.Speculation;

namespace Scheduler.Core.Scheduling;

/// <summary>
/// vLLM v1's scheduler (named so to keep clear of the <c>Scheduler</c> namespace). No prefill/decode
/// phases: every step has a token budget; running requests go first (a decode token or the next prompt
/// chunk), then waiting ones in policy order, a prompt chunked when it exceeds the remaining budget.
/// A running request that cannot get a block preempts the lowest-priority (highest value), latest running request by
/// recompute. Each step becomes a <see cref="StepPlan"/> in the diff protocol. Single-threaded: only the
/// engine loop calls it.
/// With async scheduling the next step is planned while the previous one runs: a request sampling in the step in
/// flight is scheduled again for the token it will get (<see cref="EngineRequest.NumPendingTokens"/>; the worker feeds
/// its own sampled token), unless that token is sure to end it (max_tokens, the model length), or it is about to draft
/// (<see cref="WaitsToDraft"/>). One that ends by EOS, a stop id or a stop string computes one token too many, which is
/// dropped, as in vLLM.
/// </summary>
public sealed partial class RequestScheduler
{
    private readonly SchedulerConfig _config;
    private readonly HashSet<int> _eosTokenIds;
    private readonly Dictionary<string, EngineRequest> _requests = [];
    private readonly LinkedList<EngineRequest> _waiting = new();
    private readonly List<EngineRequest> _running = [];
    private readonly List<string> _finishedIdsToSend = [];
    private readonly Queue<InFlightStep> _inFlight = new();
    private long _nextStepId;
    private long _nextArrivalOrder;
    private long _numWaitingTokens;

    public RequestScheduler(SchedulerConfig config)
    {
        config.Validate();
        _config = config;
        _eosTokenIds = [.. config.EosTokenIds];
        KvCache = new KvCacheManager(config.NumBlocks, config.BlockSize, config.EnablePrefixCaching);
    }

    public SchedulerConfig Config => _config;

    public KvCacheManager KvCache { get; }

    public int NumRunning => _running.Count;

    public int NumWaiting => _waiting.Count;

    /// <summary>Tokens of the waiting requests still to compute (prompt, plus output when resumed): the
    /// prefill work queued on this scheduler's executor.</summary>
    public long NumWaitingTokens => _numWaitingTokens;

    public bool HasUnfinishedRequests => _requests.Count > 0;

    public IReadOnlyList<EngineRequest> Running => _running;

    public IEnumerable<EngineRequest> Waiting => _waiting;

    /// <summary>Counts of the step built last.</summary>
    public StepStats LastStepStats { get; private set; }

    public EngineRequest? GetRequest(string requestId) => _requests.GetValueOrDefault(requestId);

    public void AddRequest(EngineRequest request)
    {
        request.CheckPromptFits(_config.MaxModelLength);

        if (!_requests.TryAdd(request.RequestId, request))
        {
            throw new ArgumentException($"Request id {request.RequestId} is already in use.");
        }

        // The engine orders arrivals over all workers; a scheduler used alone numbers them itself.
        if (request.ArrivalOrder < 0)
        {
            request.ArrivalOrder = _nextArrivalOrder++;
        }

        if (request.Status != RequestStatus.Preempted)
        {
            request.Status = RequestStatus.Waiting;
        }

        EnqueueWaiting(request);
    }

    /// <summary>Builds the next step. When nothing can run the plan schedules no tokens and must not be
    /// executed; it then carries no finished ids and uses no step id.</summary>
    /// <exception cref="InvalidOperationException">As many steps as <see cref="SchedulerConfig.MaxStepsInFlight"/> await
    /// their results.</exception>
    public StepPlan Schedule()
    {
        if (_inFlight.Count >= _config.MaxStepsInFlight)
        {
            throw new InvalidOperationException(_inFlight.Count == 1
                ? "The previous step's result was not applied."
                : $"{_inFlight.Count} steps await their results.");
        }

        var budget = _config.MaxNumBatchedTokens;
        var newRequests = new List<NewRequestData>();
        var cachedRequests = new List<CachedRequestData>();
        var scheduled = new Dictionary<EngineRequest, IReadOnlyList<KvBlock>>();
        var numScheduled = new Dictionary<EngineRequest, int>();
        var drafted = new Dictionary<EngineRequest, int[]>();
        var preempted = new List<EngineRequest>();
        int promptTokens = 0, decodeTokens = 0, prefixQueries = 0, prefixHits = 0;

        // Running requests first, in admission order.
        var index = 0;
        while (index < _running.Count && budget > 0)
        {
            var request = _running[index];
            var numNew = EndsWithPendingTokens(request) || WaitsToDraft(request)
                ? 0
                : Math.Min(request.NumTokens + request.NumPendingTokens - request.NumComputedTokens, budget);
            if (numNew <= 0)
            {
                index++;
                continue;
            }

            // Drafts take only free blocks: they never preempt another request.
            IReadOnlyList<KvBlock>? newBlocks = null;
            if (ProposeDrafts(request, budget) is { Length: > 0 } drafts && (newBlocks = KvCache.AllocateSlots(request, 1 + drafts.Length)) is not null)
            {
                drafted[request] = drafts;
                numNew = 1 + drafts.Length;
            }

            while (newBlocks is null && (newBlocks = KvCache.AllocateSlots(request, numNew)) is null)
            {
                var victim = PickPreemptionVictim();
                if (_running.IndexOf(victim) < index)
                {
                    index--;
                }

                if (scheduled.Remove(victim))
                {
                    // Already scheduled this step (priority policy): give its budget back.
                    budget += numScheduled[victim];
                    numScheduled.Remove(victim);
                    drafted.Remove(victim);
                }

                Preempt(victim);
                preempted.Add(victim);
                if (victim == request)
                {
                    break;
                }
            }

            if (newBlocks is null)
            {
                // The request preempted itself: nothing behind it in the running list remains.
                break;
            }

            scheduled[request] = newBlocks;
            numScheduled[request] = numNew;
            budget -= numNew;
            index++;
        }

        // Then waiting requests, unless this step had to preempt (memory is tight).
        if (preempted.Count == 0)
        {
            var runningLoras = RunningLoras();
            var node = _waiting.First;
            while (node is not null && budget > 0 && _running.Count < _config.MaxNumSeqs)
            {
                var request = node.Value;
                var next = node.Next;
                if (request.LoraName is { } lora && runningLoras is not null && !runningLoras.Contains(lora) && runningLoras.Count >= _config.MaxLoras)
                {
                    // As vLLM: it waits for a running adapter to leave; the requests behind it may still start.
                    node = next;
                    continue;
                }

                // A request still owed prompt logprobs, or pooling every position, computes its whole prompt: a cache
                // hit would skip positions to score or pool.
                var computed = request.NumComputedTokens == 0 && !request.ComputesWholePrompt
                    ? KvCache.GetComputedBlocks(request)
                    : ComputedBlocks.None;
                var numNew = Math.Min(request.NumTokens - computed.NumTokens, budget);
                var newBlocks = KvCache.AllocateSlots(request, numNew, computed);
                if (newBlocks is null)
                {
                    break;
                }

                RemoveWaiting(node);
                node = next;
                if (request.LoraName is { } admitted)
                {
                    runningLoras?.Add(admitted);
                }

                if (request.Status == RequestStatus.Waiting)
                {
                    // First start (not a resume after preemption): record prefix-cache use for usage stats.
                    request.NumCachedTokens = computed.NumTokens;
                }

                prefixQueries += request.NumTokens;
                prefixHits += computed.NumTokens;
                request.NumComputedTokens = computed.NumTokens;
                request.Status = RequestStatus.Running;
                _running.Add(request);
                scheduled[request] = newBlocks;
                numScheduled[request] = numNew;
                budget -= numNew;
            }
        }

        var entries = new List<InFlightEntry>(numScheduled.Count);
        foreach (var (request, numNew) in numScheduled)
        {
            var numKnownAndPending = request.NumTokens + request.NumPendingTokens;
            var drafts = drafted.GetValueOrDefault(request);
            var isDecode = (numNew == 1 || drafts is not null) && request.NumOutputTokens + request.NumPendingTokens > 0 && request.NumComputedTokens == numKnownAndPending - 1;
            if (isDecode)
            {
                decodeTokens++;
            }
            else
            {
                promptTokens += numNew;
            }

            var sampling = SamplingForNextToken(request, out var bansStopTokens);
            if (request.IsKnownToExecutor)
            {
                var changed = bansStopTokens != request.ExecutorBansStopTokens;
                cachedRequests.Add(new CachedRequestData(
                    request.RequestId,
                    [.. scheduled[request].Select(b => b.BlockId)],
                    request.NumComputedTokens,
                    numNew,
                    changed ? sampling : null,
                    drafts));
            }
            else
            {
                newRequests.Add(new NewRequestData(
                    request.RequestId,
                    [.. request.TokenIds],
                    request.NumPromptTokens,
                    sampling,
                    [.. KvCache.GetBlocks(request.RequestId).Select(b => b.BlockId)],
                    request.NumComputedTokens,
                    numNew,
                    request.Pooling,
                    request.LoraName,
                    request.PromptEmbeds));
                request.IsKnownToExecutor = true;
            }

            request.ExecutorBansStopTokens = bansStopTokens;
            request.NumComputedTokens += numNew;
            // Scheduled tokens that reach the end of the known and pending ones sample the next token (an embedding
            // request pools instead; the pending count then keeps it from being scheduled again).
            var samples = request.NumComputedTokens >= numKnownAndPending;
            if (samples)
            {
                request.NumPendingTokens++;
            }

            request.HasDraftsInFlight = drafts is not null;
            entries.Add(new InFlightEntry(request, request.NumComputedTokens, samples, request.NumPreemptions, drafts));
        }

        LastStepStats = new StepStats(promptTokens, decodeTokens, preempted.Count, prefixQueries, prefixHits);
        if (entries.Count == 0)
        {
            // Nothing runs, so the executor is not called: finished ids wait for the next real step.
            return new StepPlan(_nextStepId, [], [], []);
        }

        var finishedIds = _finishedIdsToSend.ToArray();
        _finishedIdsToSend.Clear();
        _inFlight.Enqueue(new InFlightStep(_nextStepId, entries));
        return new StepPlan(_nextStepId++, newRequests, cachedRequests, finishedIds);
    }

    /// <summary>The LoRA adapters of the running requests, when <see cref="SchedulerConfig.MaxLoras"/> limits them; else null.</summary>
    private HashSet<string>? RunningLoras() => _config.MaxLoras is null
        ? null
        : [.. _running.Select(r => r.LoraName).OfType<string>()];

    /// <summary>The tokens in flight for the request end it for sure (max_tokens, the model length, an embedding
    /// request's pooling): scheduling it again would only compute a token to drop.</summary>
    private bool EndsWithPendingTokens(EngineRequest request) =>
        request.NumPendingTokens > 0 &&
        (request.Pooling is not null ||
         request.NumOutputTokens + request.NumPendingTokens >= request.Stopping.MaxTokens ||
         request.NumTokens + request.NumPendingTokens >= _config.MaxModelLength);

    /// <summary>The request's sampling parameters for the token it samples next: EOS and stop ids are
    /// banned until min_tokens output tokens exist, and prompt logprobs asked for only while some are missing (a
    /// request resumed after preemption does not score its prompt again).</summary>
    private SamplingParams SamplingForNextToken(EngineRequest request, out bool bansStopTokens)
    {
        var sampling = request.Sampling.PromptLogprobs is null || request.NeedsPromptLogprobs
            ? request.Sampling
            : request.Sampling with { PromptLogprobs = null };
        // The token sampled next is output number NumOutputTokens + NumPendingTokens + 1.
        bansStopTokens = request.NumOutputTokens + request.NumPendingTokens < request.Stopping.MinTokens;
        if (!bansStopTokens)
        {
            return sampling;
        }

        IEnumerable<int> eos = request.Stopping.IgnoreEos ? [] : _config.EosTokenIds;
        int[] banned = [.. eos.Union(request.Stopping.StopTokenIds ?? []).Union(request.Sampling.BannedTokenIds ?? [])];
        return sampling with { BannedTokenIds = banned };
    }

    private EngineRequest PickPreemptionVictim()
    {
        if (_config.Policy == SchedulingPolicy.Fcfs)
        {
            return _running[^1];
        }

        var victim = _running[0];
        foreach (var candidate in _running)
        {
            if (candidate.Priority > victim.Priority ||
                (candidate.Priority == victim.Priority && candidate.ArrivalOrder > victim.ArrivalOrder))
            {
                victim = candidate;
            }
        }

        return victim;
    }

    /// <summary>Recompute preemption: frees the request's blocks and puts it back among the waiting, to
    /// be re-sent in full (prompt plus output) when it resumes.</summary>
    private void Preempt(EngineRequest request)
    {
        _running.Remove(request);
        KvCache.Free(request);
        request.NumComputedTokens = 0;
        request.NumPendingTokens = 0;
        request.HasDraftsInFlight = false;
        request.Status = RequestStatus.Preempted;
        request.NumPreemptions++;
        ForgetAtExecutor(request);
        EnqueueWaiting(request);
    }

    private void ForgetAtExecutor(EngineRequest request)
    {
        if (request.IsKnownToExecutor)
        {
            _finishedIdsToSend.Add(request.RequestId);
            request.IsKnownToExecutor = false;
            request.ExecutorBansStopTokens = false;
        }
    }

    /// <summary>Keeps the waiting queue in policy order: FCFS by arrival, so a preempted request goes back
    /// in front of later arrivals; priority by (priority value ascending, as vLLM, then arrival).</summary>
    private void EnqueueWaiting(EngineRequest request)
    {
        var node = _waiting.Last;
        while (node is not null && RunsBefore(request, node.Value))
        {
            node = node.Previous;
        }

        if (node is null)
        {
            _waiting.AddFirst(request);
        }
        else
        {
            _waiting.AddAfter(node, request);
        }

        _numWaitingTokens += request.NumTokens;
    }

    private void RemoveWaiting(LinkedListNode<EngineRequest> node)
    {
        _waiting.Remove(node);
        _numWaitingTokens -= node.Value.NumTokens;
    }

    private bool RunsBefore(EngineRequest a, EngineRequest b)
    {
        if (_config.Policy == SchedulingPolicy.Priority && a.Priority != b.Priority)
        {
            return a.Priority < b.Priority;
        }

        return a.ArrivalOrder < b.ArrivalOrder;
    }

    /// <summary>A request's part in a step in flight.</summary>
    /// <param name="ComputedAfter">Its computed tokens once this step has run (its full blocks up to there can be cached
    /// when the result arrives).</param>
    /// <param name="Samples">Its scheduled tokens reach its end: the step samples a token for it (pools, for an embedding request).</param>
    /// <param name="Preemptions">Its preemption count when scheduled: a result for an earlier life is dropped.</param>
    /// <param name="Drafts">The draft tokens the step verifies for it (speculative decoding), or null.</param>
    private sealed record InFlightEntry(EngineRequest Request, int ComputedAfter, bool Samples, int Preemptions, int[]? Drafts = null);

    private sealed record InFlightStep(long StepId, IReadOnlyList<InFlightEntry> Entries);
}

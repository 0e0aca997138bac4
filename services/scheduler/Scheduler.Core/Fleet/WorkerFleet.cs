using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Fleet;

/// <summary>
/// The engine's core over many workers, synchronous and single-threaded (the engine loop, or a simulation,
/// drives it). Each worker instance is a <see cref="WorkerLane"/> with its own scheduler and block pool; a
/// request is placed on one lane at a time (<see cref="RequestRouter"/>), and when a lane leaves (fault,
/// hang, restart) its requests are reset and placed again on the others, or wait unplaced until one joins.
/// </summary>
public sealed class WorkerFleet
{
    private readonly FleetConfig _config;
    private readonly RequestRouter _router;
    private readonly List<WorkerLane> _lanes = [];
    private readonly Dictionary<string, WorkerLane?> _placement = [];
    private readonly List<EngineRequest> _unplaced = [];
    private readonly Dictionary<string, string[]> _heldByInstance = [];
    private long _nextArrivalOrder;

    public FleetConfig Config => _config;

    public WorkerFleet(FleetConfig config)
    {
        config.Validate();
        _config = config;
        _router = new RequestRouter(config.Placement, config.BalanceThreshold);
    }

    public IReadOnlyList<WorkerLane> Lanes => _lanes;

    /// <summary>Requests admitted and not finished, placed or not.</summary>
    public int NumUnfinished => _placement.Count;

    /// <summary>Requests waiting for any worker to join.</summary>
    public int NumUnplaced => _unplaced.Count;

    /// <summary>The requests waiting for any worker to join, in the order they will be placed.</summary>
    public IReadOnlyList<EngineRequest> Unplaced => _unplaced;

    /// <summary>Requests moved off a lane that left, since the fleet started.</summary>
    public long NumRequeued { get; private set; }

    public WorkerLane? FindLane(string workerId) => _lanes.Find(l => l.WorkerId == workerId);

    /// <summary>Where a request runs now: its lane, or null while unplaced or unknown.</summary>
    public WorkerLane? LaneOf(string requestId) => _placement.GetValueOrDefault(requestId);

    /// <summary>
    /// A worker instance joins with an empty block pool and takes the unplaced requests. When an earlier lane
    /// over the same instance left, the ids that instance may still hold go out as finished with its first step.
    /// </summary>
    /// <exception cref="InvalidOperationException">A lane with this worker id is already in the fleet.</exception>
    public WorkerLane AddWorker(string workerId, string instanceId, int numBlocks, IStepExecutor executor)
    {
        if (FindLane(workerId) is not null)
        {
            throw new InvalidOperationException($"Worker {workerId} is already in the fleet; remove it first.");
        }

        var scheduler = new RequestScheduler(_config.PerWorker with { NumBlocks = numBlocks });
        if (_heldByInstance.Remove(instanceId, out var held))
        {
            scheduler.ForgetHeldByExecutor(held);
        }

        var lane = new WorkerLane(workerId, instanceId, executor, scheduler);
        _lanes.Add(lane);
        var unplaced = _unplaced.ToArray();
        _unplaced.Clear();
        foreach (var request in unplaced)
        {
            Place(request);
        }

        return lane;
    }

    /// <summary>The lane leaves: its requests are reset and placed on the remaining lanes (or wait unplaced).
    /// Returns how many requests moved. A step still in flight on it must be ignored when it returns.</summary>
    public int RemoveWorker(WorkerLane lane)
    {
        if (!_lanes.Remove(lane))
        {
            return 0;
        }

        lane.IsActive = false;
        var (requests, held) = lane.Scheduler.EvictAll();

        // A step in flight may or may not have freed its finished ids before the worker failed: count them held.
        var maybeHeld = held.Concat(lane.StepsInFlight.SelectMany(s => s.Plan.FinishedRequestIds))
            .Concat(_heldByInstance.GetValueOrDefault(lane.InstanceId) ?? []);
        lane.StepsInFlight.Clear();
        string[] heldIds = [.. maybeHeld.Distinct()];
        if (heldIds.Length > 0)
        {
            _heldByInstance[lane.InstanceId] = heldIds;
        }

        foreach (var request in requests)
        {
            Place(request);
        }

        NumRequeued += requests.Count;
        return requests.Count;
    }

    /// <summary>Admits a request and places it.</summary>
    /// <exception cref="ArgumentException">The id is in use, or the request cannot fit a worker.</exception>
    public void Add(EngineRequest request)
    {
        if (_placement.ContainsKey(request.RequestId))
        {
            throw new ArgumentException($"Request id {request.RequestId} is already in use.");
        }

        request.CheckPromptFits(_config.PerWorker.MaxModelLength);

        request.ArrivalOrder = _nextArrivalOrder++;
        Place(request);
    }

    /// <summary>Ends a request as aborted wherever it is. Null when the id is unknown (already finished).</summary>
    public EngineOutput? Abort(string requestId)
    {
        if (!_placement.Remove(requestId, out var lane))
        {
            return null;
        }

        if (lane is not null)
        {
            return lane.Scheduler.Abort(requestId);
        }

        var request = _unplaced.Find(r => r.RequestId == requestId)!;
        _unplaced.Remove(request);
        request.Status = RequestStatus.Finished;
        request.FinishReason = FinishReason.Abort;
        return new EngineOutput(requestId, [], FinishReason.Abort, null, request.NumPromptTokens, request.NumOutputTokens, request.NumCachedTokens);
    }

    /// <summary>The lane's next step, or null when it has as many steps in flight as its scheduler allows (one, or
    /// two with async scheduling) or nothing to run. Steps must reach the worker in the order they are built.</summary>
    public StepPlan? BuildStep(WorkerLane lane)
    {
        if (!lane.IsActive || lane.StepsInFlight.Count >= lane.Scheduler.Config.MaxStepsInFlight || !lane.Scheduler.HasUnfinishedRequests)
        {
            return null;
        }

        var plan = lane.Scheduler.Schedule();
        if (plan.TotalScheduledTokens == 0)
        {
            return null;
        }

        lane.StepsInFlight.Enqueue((plan, lane.Scheduler.LastStepStats));
        return plan;
    }

    /// <summary>Applies the result of the lane's oldest step in flight. Returns one output per request that produced a
    /// token or ended.</summary>
    /// <exception cref="ExecutorFaultException">The result does not answer the plan: treat the lane as failed.</exception>
    public IReadOnlyList<EngineOutput> CompleteStep(WorkerLane lane, StepResult result)
    {
        if (!lane.IsActive || lane.StepsInFlight.Count == 0)
        {
            throw new InvalidOperationException($"{lane.WorkerId} has no step in flight.");
        }

        var outputs = lane.Scheduler.UpdateFromOutput(result);
        lane.StepsInFlight.Dequeue();
        lane.NumSteps++;
        foreach (var output in outputs)
        {
            if (output.Finish is not null)
            {
                _placement.Remove(output.RequestId);
            }
        }

        return outputs;
    }

    /// <summary>Removes and returns every unplaced request (when no worker came back in time, to fail them).</summary>
    public IReadOnlyList<EngineRequest> TakeUnplaced()
    {
        var taken = _unplaced.ToArray();
        _unplaced.Clear();
        foreach (var request in taken)
        {
            _placement.Remove(request.RequestId);
            request.Status = RequestStatus.Finished;
        }

        return taken;
    }

    private void Place(EngineRequest request)
    {
        if (_lanes.Count == 0)
        {
            // Keep arrival order, so requests that were already running go first when a worker joins.
            var index = _unplaced.FindIndex(r => r.ArrivalOrder > request.ArrivalOrder);
            _unplaced.Insert(index < 0 ? _unplaced.Count : index, request);
            _placement[request.RequestId] = null;
            return;
        }

        var (lane, _) = _router.Choose(_lanes, request);
        lane.Scheduler.AddRequest(request);
        _placement[request.RequestId] = lane;
    }
}

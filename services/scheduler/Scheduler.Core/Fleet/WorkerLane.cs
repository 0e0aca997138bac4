using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Fleet;

/// <summary>
/// One worker instance as the fleet sees it: its own scheduler (block pool, prefix cache, running batch and
/// waiting queue) and at most one step in flight. A restarted worker is a new lane with an empty pool.
/// </summary>
public sealed class WorkerLane
{
    internal WorkerLane(string workerId, string instanceId, IStepExecutor executor, RequestScheduler scheduler)
    {
        WorkerId = workerId;
        InstanceId = instanceId;
        Executor = executor;
        Scheduler = scheduler;
    }

    /// <summary>Stable name of the worker's place (for example "worker-0"), used in logs and metric labels.</summary>
    public string WorkerId { get; }

    /// <summary>The worker process start this lane talks to.</summary>
    public string InstanceId { get; }

    public IStepExecutor Executor { get; }

    public RequestScheduler Scheduler { get; }

    /// <summary>The step the worker is running, or null when it is idle.</summary>
    public StepPlan? StepInFlight { get; internal set; }

    /// <summary>Counts of <see cref="StepInFlight"/>, taken when it was built.</summary>
    internal StepStats StepInFlightStats { get; set; }

    /// <summary>False once the lane left the fleet; a late step result for it is ignored.</summary>
    public bool IsActive { get; internal set; } = true;

    /// <summary>Steps this lane completed.</summary>
    public long NumSteps { get; internal set; }

    /// <summary>Requests placed here and not finished: running and waiting.</summary>
    public int Load => Scheduler.NumRunning + Scheduler.NumWaiting;

    public int NumFreeBlocks => Scheduler.KvCache.Pool.NumFreeBlocks;

    public override string ToString() => $"{WorkerId} ({InstanceId}): {Scheduler.NumRunning} running, {Scheduler.NumWaiting} waiting";
}

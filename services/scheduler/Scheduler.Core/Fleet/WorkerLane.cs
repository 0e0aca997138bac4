using Inference.Abstractions.Execution;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Fleet;

/// <summary>
/// One worker instance as the fleet sees it: its own scheduler (block pool, prefix cache, running batch and
/// waiting queue) and its steps in flight (one, or two with async scheduling). A restarted worker is a new lane with
/// an empty pool.
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

    /// <summary>The steps sent to the worker and not answered yet, oldest first (the worker runs them in this
    /// order), each with its counts taken when it was built. Empty when the worker is idle.</summary>
    internal Queue<(StepPlan Plan, StepStats Stats)> StepsInFlight { get; } = new();

    /// <summary>The oldest step sent and not answered, or null when the worker is idle.</summary>
    public StepPlan? StepInFlight => StepsInFlight.TryPeek(out var step) ? step.Plan : null;

    /// <summary>False once the lane left the fleet; a late step result for it is ignored.</summary>
    public bool IsActive { get; internal set; } = true;

    /// <summary>Steps this lane completed.</summary>
    public long NumSteps { get; internal set; }

    /// <summary>Requests placed here and not finished: running and waiting.</summary>
    public int Load => Scheduler.NumRunning + Scheduler.NumWaiting;

    public int NumFreeBlocks => Scheduler.KvCache.Pool.NumFreeBlocks;

    public override string ToString() => $"{WorkerId} ({InstanceId}): {Scheduler.NumRunning} running, {Scheduler.NumWaiting} waiting";
}

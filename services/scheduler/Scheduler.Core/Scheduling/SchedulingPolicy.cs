namespace Scheduler.Core.Scheduling;

public enum SchedulingPolicy
{
    /// <summary>First come, first served; preemption evicts the latest running request.</summary>
    Fcfs,

    /// <summary>Higher <see cref="EngineRequest.Priority"/> first, then arrival; preemption evicts the
    /// lowest-priority, latest running request.</summary>
    Priority,
}

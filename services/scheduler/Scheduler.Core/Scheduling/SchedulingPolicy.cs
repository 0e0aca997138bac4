namespace Scheduler.Core.Scheduling;

public enum SchedulingPolicy
{
    /// <summary>First come, first served; preemption evicts the latest running request.</summary>
    Fcfs,

    /// <summary>Lower <see cref="EngineRequest.Priority"/> value first (vLLM's rule), then arrival; preemption evicts the
    /// running request with the highest value, latest arrived among equals.</summary>
    Priority,
}

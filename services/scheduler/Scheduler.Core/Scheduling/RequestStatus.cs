namespace Scheduler.Core.Scheduling;

public enum RequestStatus
{
    Waiting,
    Running,

    /// <summary>Evicted by recompute preemption; waits again and resumes with prompt plus output tokens.</summary>
    Preempted,
    Finished,
}

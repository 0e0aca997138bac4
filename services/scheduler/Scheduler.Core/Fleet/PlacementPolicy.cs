namespace Scheduler.Core.Fleet;

/// <summary>How a new request picks its worker.</summary>
public enum PlacementPolicy
{
    /// <summary>The worker holding the most of the request's prefix in its KV cache (an exact count, since
    /// the scheduler owns every worker's block tables), among the workers whose load is within the balance
    /// threshold of the least loaded one; ties go to the least loaded.</summary>
    Prefix,

    /// <summary>Fewest placed requests, then fewest queued prefill tokens, then most free KV blocks.</summary>
    LeastLoaded,

    /// <summary>Each worker in turn, ignoring cache and load (a baseline for comparison).</summary>
    RoundRobin,
}

using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Fleet;

/// <summary>How the fleet schedules and places requests.</summary>
/// <param name="PerWorker">Each worker's scheduler limits; its NumBlocks is replaced by what that worker has.</param>
/// <param name="Placement">How a new request picks its worker.</param>
/// <param name="BalanceThreshold">Under <see cref="PlacementPolicy.Prefix"/>: a worker may hold this many more
/// placed requests than the least loaded one and still be chosen for its cached prefix. 0 makes placement purely
/// load-based among the least loaded; a large value lets one hot prefix pile requests onto one worker.</param>
public sealed record FleetConfig(SchedulerConfig PerWorker, PlacementPolicy Placement = PlacementPolicy.Prefix, int BalanceThreshold = 4)
{
    public void Validate()
    {
        PerWorker.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(BalanceThreshold, nameof(BalanceThreshold));
    }
}

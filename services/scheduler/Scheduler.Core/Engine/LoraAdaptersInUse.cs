using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Engine;

/// <summary>Which LoRA adapters the fleet's running and waiting requests use, for vLLM's vllm:lora_requests_info.</summary>
internal static class LoraAdaptersInUse
{
    /// <summary>Each list names an adapter once, in ordinal order; both are empty (no set is built) while no request uses
    /// one, so a fleet without adapters pays only a pass over its running and waiting requests per loop turn.</summary>
    public static (IReadOnlyList<string> Running, IReadOnlyList<string> Waiting) Of(WorkerFleet fleet)
    {
        SortedSet<string>? running = null, waiting = null;
        foreach (var lane in fleet.Lanes)
        {
            Add(ref running, lane.Scheduler.Running);
            Add(ref waiting, lane.Scheduler.Waiting);
        }

        Add(ref waiting, fleet.Unplaced);
        return (running is null ? [] : [.. running], waiting is null ? [] : [.. waiting]);
    }

    private static void Add(ref SortedSet<string>? names, IEnumerable<EngineRequest> requests)
    {
        foreach (var request in requests)
        {
            if (request.LoraName is { } name)
            {
                (names ??= new SortedSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }
    }
}

using Scheduler.Core.Scheduling;

namespace Scheduler.Core.Fleet;

/// <summary>Chooses the worker a new (or moved) request runs on; see <see cref="PlacementPolicy"/>.</summary>
public sealed class RequestRouter(PlacementPolicy policy, int balanceThreshold)
{
    private long _nextRoundRobin;

    public PlacementPolicy Policy => policy;

    /// <summary>The chosen lane and how many of the request's tokens it has cached.</summary>
    public (WorkerLane Lane, int CachedTokens) Choose(IReadOnlyList<WorkerLane> lanes, EngineRequest request)
    {
        if (lanes.Count == 0)
        {
            throw new ArgumentException("There is no worker to place on.", nameof(lanes));
        }

        switch (policy)
        {
            case PlacementPolicy.RoundRobin:
                var next = lanes[(int)(_nextRoundRobin++ % lanes.Count)];
                return (next, next.Scheduler.KvCache.CountCachedPrefixTokens(request));
            case PlacementPolicy.LeastLoaded:
                var least = lanes[0];
                foreach (var lane in lanes)
                {
                    if (LessLoaded(lane, least))
                    {
                        least = lane;
                    }
                }

                return (least, least.Scheduler.KvCache.CountCachedPrefixTokens(request));
            default:
                return ChooseByPrefix(lanes, request);
        }
    }

    private (WorkerLane Lane, int CachedTokens) ChooseByPrefix(IReadOnlyList<WorkerLane> lanes, EngineRequest request)
    {
        var minLoad = int.MaxValue;
        foreach (var lane in lanes)
        {
            minLoad = Math.Min(minLoad, lane.Load);
        }

        WorkerLane? best = null;
        var bestCached = -1;
        foreach (var lane in lanes)
        {
            if (lane.Load > minLoad + balanceThreshold)
            {
                continue;
            }

            var cached = lane.Scheduler.KvCache.CountCachedPrefixTokens(request);
            if (cached > bestCached || (cached == bestCached && LessLoaded(lane, best!)))
            {
                best = lane;
                bestCached = cached;
            }
        }

        return (best!, bestCached);
    }

    private static bool LessLoaded(WorkerLane a, WorkerLane b)
    {
        if (a.Load != b.Load)
        {
            return a.Load < b.Load;
        }

        if (a.Scheduler.NumWaitingTokens != b.Scheduler.NumWaitingTokens)
        {
            return a.Scheduler.NumWaitingTokens < b.Scheduler.NumWaitingTokens;
        }

        return a.NumFreeBlocks > b.NumFreeBlocks;
    }
}

using Inference.Cli.Simulation;
using Scheduler.Core.Fleet;

namespace Scheduler.Tests.Simulation;

public sealed class FleetSimulationTests
{
    [Fact]
    public void Run_FinishesEveryRequestWithAllItsOutputTokens()
    {
        var workload = SimulationSetups.Workload();
        var expectedTokens = 0L;
        var generator = new WorkloadGenerator(workload, SimulationSetups.Workers().MaxModelLength);
        while (generator.HasNext)
        {
            expectedTokens += generator.Next().OutputTokens;
        }

        var result = Run(PlacementPolicy.Prefix, workload);

        Assert.Equal((workload.Requests, expectedTokens), (result.Requests, result.OutputTokens));
    }

    [Fact]
    public void Run_WithTheSameSeed_GivesTheSameVirtualResults()
    {
        var first = Run(PlacementPolicy.Prefix);
        var second = Run(PlacementPolicy.Prefix);

        Assert.Equal(WithoutWallClock(first), WithoutWallClock(second));
    }

    [Fact]
    public void PrefixPlacement_HitsTheCacheMoreThanRoundRobin_WhenConversationsContinue()
    {
        // No system prompts: every hit comes from a follow-up turn finding its conversation's worker.
        var workload = SimulationSetups.Workload(requests: 400, sharedPrefixShare: 0, multiTurnShare: 0.8);

        var prefix = Run(PlacementPolicy.Prefix, workload, workers: 4);
        var roundRobin = Run(PlacementPolicy.RoundRobin, workload, workers: 4);

        Assert.True(prefix.PrefixCacheHitRate > roundRobin.PrefixCacheHitRate + 0.1,
            $"prefix {prefix.PrefixCacheHitRate:P1}, round-robin {roundRobin.PrefixCacheHitRate:P1}");
    }

    [Fact]
    public void RoundRobin_GivesEveryWorkerItsTurn()
    {
        var result = Run(PlacementPolicy.RoundRobin, SimulationSetups.Workload(requests: 200), workers: 4);

        Assert.Equal(new Spread(50, 50, 50), result.RequestsPerWorker);
    }

    [Fact]
    public void Run_WithOneWorker_KeepsItBusyAtMostAllTheTime()
    {
        var result = Run(PlacementPolicy.LeastLoaded, SimulationSetups.Workload(arrivalRate: 100), workers: 1);

        Assert.InRange(result.BusyFraction.Max, 0.9, 1.0);
    }

    [Fact]
    public void Run_WhenMemoryIsTight_PreemptsAndStillFinishesEverything()
    {
        // 16 blocks of 16 tokens hold two or three requests' worth; 16 may run at once.
        var shape = SimulationSetups.Workers(workers: 1) with { BlocksPerWorker = 16 };
        var workload = SimulationSetups.Workload(arrivalRate: 100) with { SystemPromptTokens = 32 };

        var result = new FleetSimulation(workload, shape, SimulationSetups.Cost, PlacementPolicy.Prefix).Run();

        Assert.True(result.Preemptions > 0);
        Assert.Equal(workload.Requests, result.Requests);
    }

    private static SimulationResult Run(PlacementPolicy policy, WorkloadOptions? workload = null, int workers = 2) =>
        new FleetSimulation(workload ?? SimulationSetups.Workload(), SimulationSetups.Workers(workers), SimulationSetups.Cost, policy).Run();

    private static SimulationResult WithoutWallClock(SimulationResult result) =>
        result with { SchedulerMicrosecondsPerStep = 0, SchedulerSeconds = 0, WallSeconds = 0 };
}

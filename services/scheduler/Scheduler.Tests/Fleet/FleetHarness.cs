using Inference.Abstractions.Execution;
using Scheduler.Core.Fleet;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Fleet;

/// <summary>A fleet driven step by step against fake executors, as the engine loop would, one lane at a time.</summary>
internal sealed class FleetHarness
{
    public FleetHarness(PlacementPolicy placement = PlacementPolicy.Prefix, int balanceThreshold = 4, int numBlocks = 64, int blockSize = 4)
    {
        BlockSize = blockSize;
        NumBlocks = numBlocks;
        Fleet = new WorkerFleet(new FleetConfig(
            new SchedulerConfig(64, 2048, 128, blockSize, numBlocks, [FakeTextTokenizer.EosId], EnablePrefixCaching: true),
            placement,
            balanceThreshold));
    }

    public WorkerFleet Fleet { get; }

    public int BlockSize { get; }

    public int NumBlocks { get; }

    public List<EngineOutput> Outputs { get; } = [];

    public WorkerLane Join(string workerId, string? instanceId = null, FakeStepExecutor? executor = null)
    {
        executor ??= new FakeStepExecutor(FakeStepExecutor.DefaultInfo(NumBlocks, BlockSize));
        return Fleet.AddWorker(workerId, instanceId ?? workerId + "-a", NumBlocks, executor);
    }

    /// <summary>Runs one step on the lane if it has work; returns the plan (null when idle).</summary>
    public StepPlan? Step(WorkerLane lane)
    {
        var plan = Fleet.BuildStep(lane);
        if (plan is null)
        {
            return null;
        }

        var result = lane.Executor.ExecuteAsync(plan, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        Outputs.AddRange(Fleet.CompleteStep(lane, result));
        return plan;
    }

    /// <summary>Steps every lane until no request is left (bounded).</summary>
    public void RunToCompletion()
    {
        for (var i = 0; i < 1000 && Fleet.NumUnfinished > 0; i++)
        {
            foreach (var lane in Fleet.Lanes.ToArray())
            {
                Step(lane);
            }
        }

        Assert.Equal(0, Fleet.NumUnfinished);
    }

    public int[] OutputIds(string requestId) =>
        [.. Outputs.Where(o => o.RequestId == requestId).SelectMany(o => o.NewTokens).Select(t => t.TokenId)];
}

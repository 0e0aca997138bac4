using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

public sealed class RequestSchedulerPreemptionTests
{
    [Fact]
    public void Schedule_WhenADecodeNeedsABlockAndNoneIsFree_PreemptsTheLatestRunningRequest()
    {
        var h = new SchedulerHarness(numBlocks: 4);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, firstToken: 100));
        h.Step();

        var (plan, _) = h.Step();

        Assert.Equal(["b"], plan.FinishedRequestIds);
        var a = Assert.Single(plan.CachedRequests);
        Assert.Equal("a", a.RequestId);
        Assert.Equal([3], a.NewBlockIds);
        Assert.Empty(plan.NewRequests);
        var b = Assert.Single(h.Scheduler.Waiting);
        Assert.Equal((RequestStatus.Preempted, 0, 1), (b.Status, b.NumComputedTokens, b.NumPreemptions));
        Assert.Equal(1, h.Scheduler.LastStepStats.NumPreemptions);
    }

    [Fact]
    public void Schedule_PreemptedRequest_ResumesAsNewWithPromptPlusOutputTokens()
    {
        var h = new SchedulerHarness(numBlocks: 4);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, firstToken: 100));
        h.Step();
        h.Step();
        var (third, _) = h.Step();
        Assert.Equal(FinishReason.Length, h.FinalOutput("a")!.Finish);

        var (fourth, _) = h.Step();

        Assert.Empty(third.NewRequests);
        Assert.Equal(["a"], fourth.FinishedRequestIds);
        var resumed = Assert.Single(fourth.NewRequests);
        Assert.Equal("b", resumed.RequestId);
        Assert.Equal([.. Enumerable.Range(100, 8), 108], resumed.TokenIds);
        Assert.Equal(8, resumed.NumPromptTokens);
        Assert.Equal((0, 9), (resumed.NumComputedTokens, resumed.NumScheduledTokens));
        Assert.Equal(3, resumed.BlockIds.Count);
    }

    [Fact]
    public void Schedule_PreemptedRequest_ResumesWithItsLoraAdapter()
    {
        var h = new SchedulerHarness(numBlocks: 4, loraAdapters: FakeStepExecutor.TwoAdapters);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, firstToken: 100, loraName: "sql-lora"));
        h.Step();
        h.Step();
        h.Step();

        var (fourth, _) = h.Step();

        Assert.Equal(1, h.Scheduler.Running.Single(r => r.RequestId == "b").NumPreemptions);
        Assert.Equal([("a", null), ("b", "sql-lora"), ("b", "sql-lora")], h.Executor.NewRequestLoraNames());
        Assert.Equal("sql-lora", Assert.Single(fourth.NewRequests).LoraName);
    }

    [Fact]
    public void Schedule_UnderPriorityPolicy_PreemptsTheLowestPriorityRequestFirst()
    {
        var h = new SchedulerHarness(numBlocks: 6, policy: SchedulingPolicy.Priority);
        // vLLM's rule: a lower value is served first, so "high" (-5) is the most urgent and "low" (0) the least.
        h.Scheduler.AddRequest(Requests.Make("low", promptLength: 8, priority: 0));
        h.Scheduler.AddRequest(Requests.Make("high", promptLength: 8, firstToken: 100, priority: -5));
        h.Scheduler.AddRequest(Requests.Make("mid", promptLength: 8, firstToken: 200, priority: -1));
        var (first, _) = h.Step();
        Assert.Equal(["high", "mid", "low"], first.NewRequests.Select(r => r.RequestId));

        var (second, _) = h.Step();

        Assert.Equal(["low"], second.FinishedRequestIds);
        Assert.Equal(["high", "mid"], second.CachedRequests.Select(r => r.RequestId));
    }

    [Fact]
    public void Schedule_WhenOnlyOneRequestRunsAndCannotGrow_PreemptsItself()
    {
        var h = new SchedulerHarness(numBlocks: 2, maxModelLength: 64);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8));
        h.Step();

        var plan = h.Scheduler.Schedule();

        Assert.Equal(0, plan.TotalScheduledTokens);
        Assert.Empty(plan.FinishedRequestIds); // kept for the next step that actually runs
        Assert.Equal(plan.StepId, h.Scheduler.Schedule().StepId);
        Assert.Equal(RequestStatus.Preempted, Assert.Single(h.Scheduler.Waiting).Status);
    }

    [Fact]
    public void EvictAll_ReturnsEveryUnfinishedRequestResetForAnotherWorker_InArrivalOrder()
    {
        var h = new SchedulerHarness(maxNumSeqs: 1);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 5, firstToken: 100));
        h.Step();

        var (requests, _) = h.Scheduler.EvictAll();

        Assert.Equal(["a", "b"], requests.Select(r => r.RequestId));
        Assert.All(requests, r => Assert.Equal(0, r.NumComputedTokens));
        Assert.Equal([RequestStatus.Preempted, RequestStatus.Waiting], requests.Select(r => r.Status));
        Assert.Equal(6, requests[0].NumTokens); // the token sampled before eviction stays
        Assert.False(h.Scheduler.HasUnfinishedRequests);
        Assert.Equal(h.Scheduler.KvCache.Pool.NumBlocks, h.Scheduler.KvCache.Pool.NumFreeBlocks);
    }

    [Fact]
    public void EvictAll_ReportsTheIdsTheExecutorStillHolds()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 5));
        h.Scheduler.AddRequest(Requests.Make("c", promptLength: 5));
        h.Step();
        h.Scheduler.Abort("c"); // to be sent as finished with the next step, so still held

        var (_, held) = h.Scheduler.EvictAll();

        Assert.Equal(["a", "b", "c"], held.Order());
    }

    [Fact]
    public void ForgetHeldByExecutor_SendsTheIdsAsFinishedWithTheNextStep()
    {
        var h = new SchedulerHarness();
        h.Scheduler.ForgetHeldByExecutor(["old-1", "old-2"]);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5));

        var plan = h.Scheduler.Schedule();

        Assert.Equal(["old-1", "old-2"], plan.FinishedRequestIds);
    }
}

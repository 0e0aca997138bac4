using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

public sealed class RequestSchedulerPlanTests
{
    [Fact]
    public void Schedule_NewRequest_IsSentInFullWithAllItsBlocks()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 10));

        var (plan, outputs) = h.Step();

        Assert.Equal(0, plan.StepId);
        var sent = Assert.Single(plan.NewRequests);
        Assert.Equal("a", sent.RequestId);
        Assert.Equal(Enumerable.Range(1, 10), sent.TokenIds);
        Assert.Equal(10, sent.NumPromptTokens);
        Assert.Equal([0, 1, 2], sent.BlockIds);
        Assert.Equal(0, sent.NumComputedTokens);
        Assert.Equal(10, sent.NumScheduledTokens);
        Assert.Empty(plan.CachedRequests);
        Assert.Empty(plan.FinishedRequestIds);
        Assert.Equal(11, Assert.Single(Assert.Single(outputs).NewTokens).TokenId);
    }

    [Fact]
    public void Schedule_AfterPrefill_SendsADecodeDiffWithNewBlocksOnlyAtBlockBoundaries()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 11));
        h.Step();

        var (second, _) = h.Step();
        var (third, _) = h.Step();

        Assert.Empty(second.NewRequests);
        var decode = Assert.Single(second.CachedRequests);
        Assert.Equal(("a", 11, 1), (decode.RequestId, decode.NumComputedTokens, decode.NumScheduledTokens));
        Assert.Empty(decode.NewBlockIds);
        Assert.Null(decode.Sampling);
        var next = Assert.Single(third.CachedRequests);
        Assert.Equal(12, next.NumComputedTokens);
        Assert.Equal([3], next.NewBlockIds);
        Assert.Equal(1, third.StepId - second.StepId);
    }

    [Fact]
    public void Schedule_PromptOverTheTokenBudget_IsPrefilledInChunks()
    {
        var h = new SchedulerHarness(maxNumBatchedTokens: 8);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 20));

        var (first, firstOutputs) = h.Step();
        var (second, secondOutputs) = h.Step();
        var (third, thirdOutputs) = h.Step();

        var chunk1 = Assert.Single(first.NewRequests);
        Assert.Equal((0, 8), (chunk1.NumComputedTokens, chunk1.NumScheduledTokens));
        Assert.Equal([0, 1], chunk1.BlockIds);
        Assert.Empty(firstOutputs);
        var chunk2 = Assert.Single(second.CachedRequests);
        Assert.Equal((8, 8), (chunk2.NumComputedTokens, chunk2.NumScheduledTokens));
        Assert.Equal([2, 3], chunk2.NewBlockIds);
        Assert.Empty(secondOutputs);
        var chunk3 = Assert.Single(third.CachedRequests);
        Assert.Equal((16, 4), (chunk3.NumComputedTokens, chunk3.NumScheduledTokens));
        Assert.Equal([4], chunk3.NewBlockIds);
        Assert.Equal(21, Assert.Single(Assert.Single(thirdOutputs).NewTokens).TokenId);
    }

    [Fact]
    public void Schedule_RunningDecodesGoFirstAndAWaitingPromptTakesTheRestOfTheBudget()
    {
        var h = new SchedulerHarness(maxNumBatchedTokens: 10);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 6));
        h.Step();
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 20, firstToken: 100));

        var (plan, _) = h.Step();

        Assert.Equal(("a", 1), (plan.CachedRequests[0].RequestId, plan.CachedRequests[0].NumScheduledTokens));
        Assert.Equal(("b", 9), (plan.NewRequests[0].RequestId, plan.NewRequests[0].NumScheduledTokens));
        Assert.Equal(10, plan.TotalScheduledTokens);
        Assert.Equal([2, 3, 4], plan.NewRequests[0].BlockIds);
    }

    [Fact]
    public void Schedule_AtMaxNumSeqs_LeavesFurtherRequestsWaitingInArrivalOrder()
    {
        var h = new SchedulerHarness(maxNumSeqs: 2);
        foreach (var id in new[] { "a", "b", "c" })
        {
            h.Scheduler.AddRequest(Requests.Make(id, promptLength: 3));
        }

        var (plan, _) = h.Step();

        Assert.Equal(["a", "b"], plan.NewRequests.Select(r => r.RequestId));
        Assert.Equal(["c"], h.Scheduler.Waiting.Select(r => r.RequestId));
    }

    [Fact]
    public void Schedule_WhenAWaitingRequestCannotGetBlocks_ItWaits()
    {
        var h = new SchedulerHarness(numBlocks: 4);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 12));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, firstToken: 100));

        var (plan, _) = h.Step();

        Assert.Equal(["a"], plan.NewRequests.Select(r => r.RequestId));
        Assert.Equal(["b"], h.Scheduler.Waiting.Select(r => r.RequestId));
    }

    [Fact]
    public void Schedule_WithPrefixCaching_SendsTheCachedPrefixAsComputed()
    {
        var h = new SchedulerHarness(prefixCaching: true);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 10));
        h.Step();
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 10));

        var (plan, _) = h.Step();

        var b = Assert.Single(plan.NewRequests);
        Assert.Equal(8, b.NumComputedTokens);
        Assert.Equal(2, b.NumScheduledTokens);
        Assert.Equal([0, 1, 3], b.BlockIds);
        Assert.Equal(8, h.Scheduler.GetRequest("b")!.NumCachedTokens);
        Assert.Equal((10, 8), (h.Scheduler.LastStepStats.PrefixCacheQueries, h.Scheduler.LastStepStats.PrefixCacheHits));
    }
}

using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

/// <summary>vLLM's prompt_logprobs in the scheduler: the whole prompt is computed, and its positions arrive once, with the first token.</summary>
public sealed class RequestSchedulerPromptLogprobsTests
{
    [Fact]
    public void Schedule_RequestWithPromptLogprobs_ComputesTheWholePromptDespiteAPrefixCacheHit()
    {
        var h = new SchedulerHarness(prefixCaching: true);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 10));
        h.Step();
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 10, promptLogprobs: 2));

        var (plan, _) = h.Step();

        var b = Assert.Single(plan.NewRequests);
        Assert.Equal((0, 10), (b.NumComputedTokens, b.NumScheduledTokens));
        Assert.Equal(2, b.Sampling.PromptLogprobs);
        Assert.Equal(0, h.Scheduler.GetRequest("b")!.NumCachedTokens);
    }

    [Fact]
    public void UpdateFromOutput_ChunkedPrompt_SendsEveryPositionOnceWithTheFirstToken()
    {
        var h = new SchedulerHarness(maxNumBatchedTokens: 4);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 10, maxTokens: 3, firstToken: 100, promptLogprobs: 0));

        for (int i = 0; i < 5; i++)
        {
            h.Step();
        }

        Assert.Equal([4, 4, 2, 1, 1], h.Executor.PlansSoFar().Select(p => p.TotalScheduledTokens));
        var withTokens = h.Outputs.Where(o => o.NewTokens.Count > 0).ToArray();
        Assert.Equal(3, withTokens.Length);
        var prompt = withTokens[0].PromptLogprobs!;
        Assert.Equal(Enumerable.Range(101, 9), prompt.Select(p => p.TokenId));
        Assert.Equal(Enumerable.Range(1, 9).Select(p => (float)-p), prompt.Select(p => p.Logprob));
        Assert.All(withTokens.Skip(1), o => Assert.Null(o.PromptLogprobs));
    }

    [Fact]
    public void UpdateFromOutput_PromptRecomputedAfterPreemption_AddsNoPositionTwice()
    {
        // b gets 2 of its 12 prompt tokens in step 1, then preempts itself for want of blocks while a decodes, and
        // recomputes its prompt from 0 once a has finished.
        var h = new SchedulerHarness(numBlocks: 5, maxNumBatchedTokens: 10);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 12, maxTokens: 2, firstToken: 100, promptLogprobs: 1));

        for (int i = 0; i < 8 && h.FinalOutput("b") is null; i++)
        {
            h.Step();
        }

        var sentToWorker = h.Executor.PlansSoFar().SelectMany(p => p.NewRequests).Where(r => r.RequestId == "b").ToArray();
        Assert.Equal(2, sentToWorker.Length);
        Assert.All(sentToWorker, r => Assert.Equal(1, r.Sampling.PromptLogprobs));
        var prompt = Assert.Single(h.Outputs, o => o.RequestId == "b" && o.PromptLogprobs is not null).PromptLogprobs!;
        Assert.Equal(Enumerable.Range(101, 11), prompt.Select(p => p.TokenId));
        Assert.Equal(Enumerable.Range(1, 11).Select(p => (float)-p), prompt.Select(p => p.Logprob));
    }

    [Fact]
    public void Schedule_RequestResumedWithItsPromptLogprobsComplete_DoesNotScoreThePromptAgain()
    {
        var h = new SchedulerHarness(numBlocks: 4);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, firstToken: 100, promptLogprobs: 0));
        h.Step();
        h.Step();
        h.Step();

        var (resumedStep, _) = h.Step();

        var resumed = Assert.Single(resumedStep.NewRequests);
        Assert.Equal("b", resumed.RequestId);
        Assert.Null(resumed.Sampling.PromptLogprobs);
        Assert.Single(h.Outputs, o => o.RequestId == "b" && o.PromptLogprobs is not null);
    }
}

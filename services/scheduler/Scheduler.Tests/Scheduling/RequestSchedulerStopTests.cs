using Inference.Abstractions.Generation;
using Inference.Abstractions.Execution;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

public sealed class RequestSchedulerStopTests
{
    private const int Eos = FakeTextTokenizer.EosId;

    [Fact]
    public void UpdateFromOutput_Eos_FinishesWithStopAndListsTheIdInTheNextPlan()
    {
        var h = new SchedulerHarness(nextToken: last => last == 6 ? Eos : last + 1);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4));
        h.Step();
        h.Step();

        var (_, outputs) = h.Step();
        var (idle, _) = h.Step();
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 2));
        var (next, _) = h.Step();

        var final = Assert.Single(outputs);
        Assert.Equal(Eos, final.NewTokens[0].TokenId);
        Assert.Equal((FinishReason.Stop, (string?)null, 3), (final.Finish, final.StopReason, final.NumOutputTokens));
        Assert.Empty(idle.FinishedRequestIds);
        Assert.Equal(["a"], next.FinishedRequestIds);
        Assert.Equal(h.Scheduler.KvCache.Pool.NumBlocks - 1, h.Scheduler.KvCache.Pool.NumFreeBlocks);
    }

    [Fact]
    public void UpdateFromOutput_IgnoreEos_KeepsGeneratingUntilMaxTokens()
    {
        var h = new SchedulerHarness(nextToken: _ => Eos);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 3, ignoreEos: true));

        for (var i = 0; i < 3; i++)
        {
            h.Step();
        }

        Assert.Equal((FinishReason.Length, 3), (h.FinalOutput("a")!.Finish, h.FinalOutput("a")!.NumOutputTokens));
    }

    [Fact]
    public void UpdateFromOutput_StopTokenId_FinishesWithTheIdAsStopReason()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, stopTokenIds: [6]));

        h.Step();
        h.Step();

        Assert.Equal((FinishReason.Stop, "6"), (h.FinalOutput("a")!.Finish, h.FinalOutput("a")!.StopReason));
    }

    [Fact]
    public void UpdateFromOutput_MaxTokensReached_FinishesWithLength()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 2));

        h.Step();
        var (_, outputs) = h.Step();

        Assert.Equal(FinishReason.Length, Assert.Single(outputs).Finish);
        Assert.False(h.Scheduler.HasUnfinishedRequests);
    }

    [Fact]
    public void UpdateFromOutput_MaxModelLengthReached_FinishesWithLength()
    {
        var h = new SchedulerHarness(maxModelLength: 6);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 100));

        h.Step();
        h.Step();

        var final = h.FinalOutput("a")!;
        Assert.Equal((FinishReason.Length, 2), (final.Finish, final.NumOutputTokens));
    }

    [Fact]
    public void Schedule_BeforeMinTokens_BansStopTokensThenLiftsTheBanWithASamplingUpdate()
    {
        var h = new SchedulerHarness(nextToken: _ => Eos);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, minTokens: 2, stopTokenIds: [7]));

        var (first, _) = h.Step();
        var (second, _) = h.Step();
        var (third, thirdOutputs) = h.Step();

        Assert.Equal([7, Eos], first.NewRequests[0].Sampling.BannedTokenIds!.Order());
        Assert.Null(second.CachedRequests[0].Sampling);
        var lifted = third.CachedRequests[0].Sampling;
        Assert.NotNull(lifted);
        Assert.Null(lifted.BannedTokenIds);
        Assert.Equal(FinishReason.Stop, Assert.Single(thirdOutputs).Finish);
        Assert.Equal(3, thirdOutputs[0].NumOutputTokens);
    }

    [Fact]
    public void Abort_RunningRequest_FreesItsBlocksAndTellsTheExecutor()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 9));
        h.Step();

        var aborted = h.Scheduler.Abort("a");
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 2));
        var (next, _) = h.Step();

        Assert.Equal(FinishReason.Abort, aborted!.Finish);
        Assert.Equal(["a"], next.FinishedRequestIds);
        // a's blocks [0, 1, 2] went to the free queue's tail; b gets the least recently used block.
        Assert.Equal([3], next.NewRequests[0].BlockIds);
        Assert.Null(h.Scheduler.Abort("a"));
    }

    [Fact]
    public void Abort_WaitingRequestNeverSent_IsNotListedForTheExecutor()
    {
        var h = new SchedulerHarness(maxNumSeqs: 1);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 3));
        h.Step();

        h.Scheduler.Abort("b");
        var (next, _) = h.Step();

        Assert.Empty(next.FinishedRequestIds);
        Assert.Equal(0, h.Scheduler.NumWaiting);
    }

    [Fact]
    public void UpdateFromOutput_MissingTokenForACompletedPrefill_IsAnExecutorFault()
    {
        var h = new SchedulerHarness();
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 3));
        var plan = h.Scheduler.Schedule();

        Assert.Throws<ExecutorFaultException>(() =>
            h.Scheduler.UpdateFromOutput(new StepResult(plan.StepId, [], default, 3)));
    }
}

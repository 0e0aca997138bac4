using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Core.Scheduling;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Scheduling;

/// <summary>Async scheduling: the next step is planned while the one before it runs.</summary>
public sealed class RequestSchedulerAsyncTests
{
    private const int Eos = FakeTextTokenizer.EosId;

    [Fact]
    public void Schedule_WhileAStepIsInFlight_SchedulesTheTokenThatStepSamples()
    {
        var h = new SchedulerHarness(asyncScheduling: true);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5));

        var prefill = h.Send()!;
        var decode = h.Send()!;

        Assert.Equal(5, Assert.Single(prefill.NewRequests).NumScheduledTokens);
        var cached = Assert.Single(decode.CachedRequests);
        Assert.Equal((5, 1), (cached.NumComputedTokens, cached.NumScheduledTokens));
        Assert.Equal(2, h.Scheduler.GetRequest("a")!.NumPendingTokens);
        Assert.Throws<InvalidOperationException>(() => h.Scheduler.Schedule());

        Assert.Equal(6, Assert.Single(h.Receive()).NewTokens[0].TokenId);
        Assert.Equal(7, Assert.Single(h.Receive()).NewTokens[0].TokenId);
        Assert.Equal((7, 0), (h.Scheduler.GetRequest("a")!.NumTokens, h.Scheduler.GetRequest("a")!.NumPendingTokens));
    }

    [Fact]
    public void Schedule_TheTokenInFlightReachesMaxTokens_DoesNotScheduleTheRequestAgain()
    {
        var h = new SchedulerHarness(asyncScheduling: true);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5, maxTokens: 1));

        h.Send();

        Assert.Null(h.Send());
        Assert.Equal(FinishReason.Length, Assert.Single(h.Receive()).Finish);
    }

    [Fact]
    public void UpdateFromOutput_EosInTheOlderStep_DropsTheNewerStepsTokenAndTellsTheExecutorToForget()
    {
        var h = new SchedulerHarness(asyncScheduling: true, nextToken: _ => Eos);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5));
        h.Send();
        h.Send();

        var first = Assert.Single(h.Receive());
        var second = h.Receive();
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 2));
        var next = h.Send()!;

        Assert.Equal((FinishReason.Stop, Eos), (first.Finish, first.NewTokens[0].TokenId));
        Assert.Empty(second);
        Assert.Equal(["a"], next.FinishedRequestIds);
        Assert.Equal(h.Scheduler.KvCache.Pool.NumBlocks - 1, h.Scheduler.KvCache.Pool.NumFreeBlocks);
    }

    [Fact]
    public void UpdateFromOutput_ARequestPreemptedWhileItsStepRan_DropsThatResultAndResumesFromItsKnownTokens()
    {
        // Four blocks of four tokens: a (8 prompt tokens) and b (7) fill them once b's first decode needs a fifth.
        var h = new SchedulerHarness(numBlocks: 4, asyncScheduling: true);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 8, maxTokens: 3));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 7, maxTokens: 4, firstToken: 100));
        h.Send();
        var second = h.Send()!;

        Assert.Equal(["b"], second.FinishedRequestIds);
        Assert.Equal(RequestStatus.Preempted, h.Scheduler.GetRequest("b")!.Status);
        var firstOutputs = h.Receive();
        Assert.DoesNotContain(firstOutputs, o => o.RequestId == "b");
        h.RunToEnd();
        var b = h.Outputs.Where(o => o.RequestId == "b").SelectMany(o => o.NewTokens).Select(t => t.TokenId);
        Assert.Equal([107, 108, 109, 110], b);
    }

    public static TheoryData<string> Workloads => ["mixed", "tight memory", "small token budget", "shared prefixes"];

    [Theory]
    [MemberData(nameof(Workloads))]
    public void RunToEnd_GivesEveryRequestTheSameOutputsAsStepByStep(string workload)
    {
        var lockstep = Run(workload, asyncScheduling: false);
        var pipelined = Run(workload, asyncScheduling: true);

        foreach (var (id, expected) in lockstep.Outputs)
        {
            var actual = pipelined.Outputs[id];
            Assert.Equal(expected.Tokens, actual.Tokens);
            Assert.Equal((expected.Finish, expected.StopReason, expected.PromptLogprobs), (actual.Finish, actual.StopReason, actual.PromptLogprobs));
        }

        Assert.Equal(lockstep.Outputs.Keys.Order(), pipelined.Outputs.Keys.Order());
        Assert.Equal(pipelined.NumBlocks, pipelined.NumFreeBlocks);
        // Only requests that end by EOS or a stop id compute a token too many, at most one each.
        Assert.InRange(pipelined.ScheduledTokens - lockstep.ScheduledTokens, 0, lockstep.Outputs.Count);
        Assert.True(pipelined.Steps < lockstep.Steps + lockstep.Outputs.Count, $"{pipelined.Steps} steps against {lockstep.Steps}");
    }

    private static RunSummary Run(string workload, bool asyncScheduling)
    {
        // Tokens climb by 7 modulo 50; 13 stands for EOS, so some requests end early by EOS.
        Func<int, int> nextToken = last => (last * 7 + 3) % 50 is var next && next == 13 ? Eos : next;
        var h = workload switch
        {
            "tight memory" => new SchedulerHarness(numBlocks: 12, asyncScheduling: asyncScheduling, nextToken: nextToken),
            "small token budget" => new SchedulerHarness(maxNumBatchedTokens: 6, asyncScheduling: asyncScheduling, nextToken: nextToken),
            "shared prefixes" => new SchedulerHarness(prefixCaching: true, asyncScheduling: asyncScheduling, nextToken: nextToken),
            _ => new SchedulerHarness(asyncScheduling: asyncScheduling, nextToken: nextToken),
        };
        var shared = workload == "shared prefixes";
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 9, maxTokens: 12));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 5, maxTokens: 20, firstToken: shared ? 1 : 30, minTokens: 6));
        h.Scheduler.AddRequest(Requests.Make("c", promptLength: 13, maxTokens: 7, firstToken: shared ? 1 : 11, stopTokenIds: [24]));
        h.Scheduler.AddRequest(Requests.Make("d", promptLength: 3, maxTokens: 9, firstToken: 40, ignoreEos: true));
        h.Scheduler.AddRequest(Requests.Make("e", promptLength: 6, maxTokens: 5, firstToken: shared ? 1 : 4, promptLogprobs: 1));
        h.Scheduler.AddRequest(Requests.Make("f", promptLength: 1, maxTokens: 1, firstToken: 9));

        var plans = h.RunToEnd();

        var outputs = h.Outputs.GroupBy(o => o.RequestId).ToDictionary(
            g => g.Key,
            g => new RequestSummary(
                [.. g.SelectMany(o => o.NewTokens).Select(t => t.TokenId)],
                g.Last().Finish,
                g.Last().StopReason,
                string.Join(",", g.SelectMany(o => o.PromptLogprobs ?? []).Select(p => $"{p.TokenId}:{p.Logprob}"))));
        var pool = h.Scheduler.KvCache.Pool;
        return new RunSummary(outputs, plans.Count, plans.Sum(p => p.TotalScheduledTokens), pool.NumBlocks, pool.NumFreeBlocks);
    }

    private sealed record RequestSummary(int[] Tokens, FinishReason? Finish, string? StopReason, string PromptLogprobs);

    private sealed record RunSummary(Dictionary<string, RequestSummary> Outputs, int Steps, int ScheduledTokens, int NumBlocks, int NumFreeBlocks);
}

using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Core.Scheduling;
using Scheduler.Core.Speculation;
using Scheduler.Tests.Fakes;
using Scheduler.Tests.Scheduling;

namespace Scheduler.Tests.Speculation;

/// <summary>
/// The scheduler's side of n-gram speculative decoding: greedy decodes carry drafts from their own tokens, the
/// executor's accepted drafts and one more token are applied in order (stop conditions included), the request ends
/// exactly as without speculation, and drafts never preempt, never break max_tokens or the model length, and are not
/// proposed where the worker could not verify them exactly.
/// </summary>
public sealed class RequestSchedulerSpeculationTests
{
    private const int Eos = FakeTextTokenizer.EosId;
    private static readonly SpeculativeConfig Ngram = new(NumSpeculativeTokens: 4, PromptLookupMin: 1, PromptLookupMax: 3);

    public static TheoryData<string, int, int[]?, bool> Cases()
    {
        var cases = new TheoryData<string, int, int[]?, bool>();
        foreach (var async in new[] { false, true })
        {
            cases.Add("loop", 40, null, async);
            cases.Add("period 3", 37, null, async);
            cases.Add("period 3", 50, [22], async);
            cases.Add("eos in a loop", 60, null, async);
            cases.Add("no repeats", 30, null, async);
            cases.Add("mixed", 45, null, async);
            cases.Add("mixed", 2, null, async);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Speculation_EndsEveryRequestAsWithout_InFewerSteps(string sequence, int maxTokens, int[]? stopIds, bool async)
    {
        var plain = Run(sequence, maxTokens, stopIds, speculative: null, async, out var plainSteps);
        var drafted = Run(sequence, maxTokens, stopIds, Ngram, async, out var draftedSteps);

        Assert.Equal(plain.Tokens, drafted.Tokens);
        Assert.Equal((plain.Finish, plain.StopReason, plain.NumOutputTokens), (drafted.Finish, drafted.StopReason, drafted.NumOutputTokens));
        Assert.True(draftedSteps <= plainSteps);
        if (sequence == "no repeats")
        {
            // Nothing repeats, so nothing drafts: with async scheduling no request waits for a result it does not need.
            Assert.Equal(plainSteps, draftedSteps);
        }

        if (sequence is "loop" or "period 3" && stopIds is null)
        {
            Assert.True(draftedSteps < plainSteps / 2, $"{draftedSteps} steps with drafts against {plainSteps}");
        }
    }

    [Fact]
    public void Drafts_OfALoop_AreItsContinuation_AndAllAccepted()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 20));
        h.Step();
        h.Step();

        var (plan, outputs) = h.Step();

        var cached = Assert.Single(plan.CachedRequests);
        Assert.Equal([7, 7, 7, 7], cached.DraftTokenIds);
        Assert.Equal(5, cached.NumScheduledTokens);
        Assert.Equal(5, Assert.Single(outputs).NewTokens.Count);
        Assert.Equal((1, 4, 4), (h.Scheduler.LastSpeculation.NumDrafts, h.Scheduler.LastSpeculation.NumDraftTokens, h.Scheduler.LastSpeculation.NumAcceptedTokens));
        Assert.Equal(new long[] { 1, 1, 1, 1 }, h.Scheduler.LastSpeculation.AcceptedPerPosition);
    }

    [Fact]
    public void Drafts_StopAtMaxTokensAndTheModelLength()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, maxModelLength: 16, speculative: Ngram);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 9));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 8, maxTokens: 100, firstToken: 30));

        var plans = h.RunToEnd();

        foreach (var c in plans.SelectMany(p => p.CachedRequests))
        {
            Assert.True(c.NumDraftTokens <= 4);
        }

        Assert.Equal((FinishReason.Length, 9), (h.FinalOutput("a")!.Finish, h.FinalOutput("a")!.NumOutputTokens));
        Assert.Equal((FinishReason.Length, 8), (h.FinalOutput("b")!.Finish, h.FinalOutput("b")!.NumOutputTokens));
    }

    [Fact]
    public void NoDrafts_BeforeMinTokens_WhereEndOfSequenceIsBanned()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram);
        h.Scheduler.AddRequest(new EngineRequest("a", [1, 2, 3], SamplingParams.Greedy, new StoppingCriteria(12, MinTokens: 12)));

        var plans = h.RunToEnd();

        Assert.All(plans.SelectMany(p => p.CachedRequests), c => Assert.Equal(0, c.NumDraftTokens));
        Assert.Equal(12, h.FinalOutput("a")!.NumOutputTokens);
    }

    [Fact]
    public void SampledRequests_GetDrafts_TheWorkerDrawsEachPositionAsDecodingWould()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram);
        h.Scheduler.AddRequest(new EngineRequest("a", [1, 2, 3], new SamplingParams(Temperature: 0.7f, Seed: 3), new StoppingCriteria(12)));

        var plans = h.RunToEnd();

        Assert.Contains(plans.SelectMany(p => p.CachedRequests), c => c.NumDraftTokens > 0);
        Assert.Equal(12, h.FinalOutput("a")!.NumOutputTokens);
    }

    [Fact]
    public void StructuredOutput_GetsDrafts_TheWorkerAdvancesItsGrammarDraftByDraft()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram);
        var sampling = SamplingParams.Greedy with { StructuredOutput = new StructuredOutput.Regex("7+") };
        h.Scheduler.AddRequest(new EngineRequest("a", [1, 2, 3], sampling, new StoppingCriteria(12)));

        var plans = h.RunToEnd();

        Assert.Contains(plans.SelectMany(p => p.CachedRequests), c => c.NumDraftTokens > 0);
        Assert.Equal(12, h.FinalOutput("a")!.NumOutputTokens);
    }

    [Fact]
    public void NoDrafts_WhileDisableByBatchSizeRequestsRun()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram with { DisableByBatchSize = 2 });
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 12));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 4, maxTokens: 6, firstToken: 20));

        var plans = h.RunToEnd();

        var withDrafts = plans.Where(p => p.CachedRequests.Any(c => c.NumDraftTokens > 0)).ToList();
        Assert.NotEmpty(withDrafts);
        Assert.All(withDrafts, p => Assert.Single(p.CachedRequests.Concat<object>(p.NewRequests)));
    }

    [Fact]
    public void Drafts_NeverPreemptAnotherRequest()
    {
        // 6 blocks of 4 for two requests that grow to 12 tokens each: the pool runs out, and drafts that would need a
        // block nobody has free are dropped rather than preempting; the preemptions are those of plain decoding.
        Assert.Equal(Preemptions(speculative: null), Preemptions(Ngram));
    }

    private static int Preemptions(SpeculativeConfig? speculative)
    {
        var h = new SchedulerHarness(numBlocks: 6, nextToken: _ => 7, speculative: speculative);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 7, maxTokens: 5));
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 7, maxTokens: 5, firstToken: 20));
        int preemptions = 0;
        while (h.Scheduler.HasUnfinishedRequests)
        {
            h.Step();
            preemptions += h.Scheduler.LastStepStats.NumPreemptions;
        }

        Assert.Equal(5, h.FinalOutput("a")!.NumOutputTokens);
        Assert.Equal(5, h.FinalOutput("b")!.NumOutputTokens);
        return preemptions;
    }

    [Fact]
    public void AWorkerAnsweringOtherThanItsDrafts_IsAFault()
    {
        var h = new SchedulerHarness(nextToken: _ => 7, speculative: Ngram);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 4, maxTokens: 20));
        h.Step();
        h.Step();
        var plan = h.Scheduler.Schedule();
        Assert.Equal(4, Assert.Single(plan.CachedRequests).NumDraftTokens);

        // Token 2 replaces draft 2 (7) but token 3 goes on as if it had been accepted.
        var result = new StepResult(plan.StepId, [Token(7), Token(8), Token(7)], new StepTimings(1, 1, 1), 5);

        Assert.Throws<ExecutorFaultException>(() => h.Scheduler.UpdateFromOutput(result));
    }

    [Fact]
    public void BlocksOfRejectedDrafts_AreNeverCached()
    {
        // The sequence goes 7 7 7 7 8 8 8 8 ...: drafts of 7s are rejected at the 8. With prefix caching on, a second
        // request with the first one's whole text must find only blocks of the tokens it really has.
        var h = new SchedulerHarness(prefixCaching: true, nextToken: last => last == 7 ? 8 : 7, speculative: Ngram);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 5, maxTokens: 23));
        h.RunToEnd();
        var text = h.Outputs.Where(o => o.RequestId == "a").SelectMany(o => o.NewTokens).Select(t => t.TokenId).ToArray();
        var second = Requests.FromTokens("b", [.. Enumerable.Range(1, 5), .. text]);

        var hits = h.Scheduler.KvCache.GetComputedBlocks(second);

        Assert.Equal(hits.NumTokens / 4, hits.Blocks.Count);
        Assert.All(hits.Blocks, b => Assert.NotNull(b.Hash));
    }

    private static SampledToken Token(int id) => new("a", id, -0.5f, []);

    private static (int[] Tokens, FinishReason? Finish, string? StopReason, int NumOutputTokens) Run(
        string sequence, int maxTokens, int[]? stopIds, SpeculativeConfig? speculative, bool async, out int steps)
    {
        Func<int, int> next = sequence switch
        {
            "loop" => _ => 7,
            "period 3" => last => last is 20 ? 21 : last is 21 ? 22 : 20,
            "eos in a loop" => last => last is 40 ? 41 : last is 41 ? 42 : last is 42 ? 43 : last == 43 ? Eos : 40,
            "no repeats" => last => last + 1,
            _ => last => last * 7 % 23 + (last % 5 == 0 ? 1 : 0),
        };
        var h = new SchedulerHarness(nextToken: next, speculative: speculative, asyncScheduling: async);
        h.Scheduler.AddRequest(Requests.Make("a", promptLength: 6, maxTokens: maxTokens, stopTokenIds: stopIds));
        // A second, short request beside it: a request that drafts must not disturb another's steps.
        h.Scheduler.AddRequest(Requests.Make("b", promptLength: 3, maxTokens: 5, firstToken: 500, ignoreEos: true));
        steps = h.RunToEnd().Count;
        var final = h.FinalOutput("a")!;
        var tokens = h.Outputs.Where(o => o.RequestId == "a").SelectMany(o => o.NewTokens).Select(t => t.TokenId).ToArray();
        return (tokens, final.Finish, final.StopReason, final.NumOutputTokens);
    }
}

using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>n &gt; 1: vLLM v1's parallel sampling, children sharing the prompt's KV blocks through the prefix cache.</summary>
public sealed class InferenceEngineParallelSamplingTests
{
    // Block size 4 in the fake executor: a 10-token prompt has 2 full blocks (8 tokens) to share.
    private const string Prompt = "abcdefghij";

    [Fact]
    public async Task GenerateAsync_NThree_StreamsThreeCompletionsEachEndingWithItsOwnUsage()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 4, N = 3 }, id: "p"))
            .WaitAsync(EngineFixture.Timeout);

        var finals = outputs.Where(o => o.Finish is not null).OrderBy(o => o.Index).ToArray();
        Assert.Equal([0, 1, 2], finals.Select(o => o.Index));
        Assert.All(finals, o => Assert.Equal(new GenerationUsage(10, 4, o.Index == 0 ? 0 : 8), o.Usage));
        Assert.All(outputs, o => Assert.Equal("p", o.RequestId));
        var texts = Enumerable.Range(0, 3).Select(i => outputs.Where(o => o.Index == i).Text()).Distinct();
        Assert.Single(texts);
    }

    [Fact]
    public async Task GenerateAsync_NThree_ComputesThePromptsFullBlocksOnce()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 2, N = 3 }, id: "p"))
            .WaitAsync(EngineFixture.Timeout);

        var starts = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).ToDictionary(r => r.RequestId, r => r.NumComputedTokens);
        Assert.Equal(new Dictionary<string, int> { ["0_p"] = 0, ["1_p"] = 8, ["2_p"] = 8 }, starts);
    }

    [Fact]
    public async Task GenerateAsync_NThree_KvCacheUsageCountsThePromptsFullBlocksOnce()
    {
        // Blocks of 16: a 36-token prompt has 2 full blocks, and no sequence passes 44 tokens (3 blocks). Three
        // completions that share the full blocks hold 2 + 3 x 1 blocks; three that did not would hold 3 x 3.
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(numBlocks: 64, blockSize: 16), gated: true);
        await using var engine = EngineFixture.Create(executor);
        var prompt = string.Concat(Enumerable.Range(0, 36).Select(i => (char)('a' + i % 26)));

        var run = engine.CollectAsync(EngineFixture.Text(prompt, new GenerationParams { Temperature = 0, MaxTokens = 8, N = 3 }, id: "kv"));
        var usedBlocks = new List<int>();
        while (!run.IsCompleted)
        {
            executor.AllowSteps(1);
            await Task.Delay(10);
            var snapshot = engine.Snapshot;
            if (snapshot.NumRunning == 3)
            {
                usedBlocks.Add((int)Math.Round(snapshot.KvCacheUsage * 64));
            }
        }

        await run.WaitAsync(EngineFixture.Timeout);
        Assert.NotEmpty(usedBlocks);
        Assert.All(usedBlocks, used => Assert.Equal(5, used));
    }

    [Fact]
    public async Task GenerateAsync_SeededN_GivesCompletionIItsSeedPlusI()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 1, Seed = 7, MaxTokens = 1, N = 3 }, id: "p"))
            .WaitAsync(EngineFixture.Timeout);

        var seeds = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).ToDictionary(r => r.RequestId, r => r.Sampling.Seed);
        Assert.Equal(new Dictionary<string, ulong?> { ["0_p"] = 7, ["1_p"] = 8, ["2_p"] = 9 }, seeds);
    }

    [Fact]
    public async Task Abort_ParentId_EndsEveryCompletionWithFinishReasonAbort()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        await using var outputs = engine.GenerateAsync(
            EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 50, N = 2 }, id: "p"), default).GetAsyncEnumerator();
        while (executor.HeldRequestIds.Count < 2)
        {
            // Each step makes an output of completion 0 at least; completion 1 joins once 0's prompt is computed.
            executor.AllowSteps(1);
            await outputs.NextAsync();
        }

        Assert.True(engine.Abort("p"));

        var finishes = new Dictionary<int, FinishReason>();
        while (finishes.Count < 2)
        {
            executor.AllowSteps(1);
            var output = await outputs.NextAsync();
            if (output.Finish is { } finish) finishes[output.Index] = finish;
        }

        Assert.Equal([FinishReason.Abort, FinishReason.Abort], finishes.Values);
    }

    [Fact]
    public async Task GenerateAsync_NBeyondTheAdmissionBound_IsOverloaded()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(), new EngineOptions { MaxConcurrentRequests = 2 });

        await Assert.ThrowsAsync<EngineOverloadedException>(() =>
            engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 1, N = 3 })));
    }
}

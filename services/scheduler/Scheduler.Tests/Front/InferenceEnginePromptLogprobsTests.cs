using Inference.Abstractions.Generation;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>prompt_logprobs through the engine's front: on the first output only, once per prompt.</summary>
public sealed class InferenceEnginePromptLogprobsTests
{
    private const string Prompt = "abcdefghij";

    [Fact]
    public async Task GenerateAsync_PromptLogprobs_ComeWithTheFirstOutputForEveryPositionFromOne()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 3, PromptLogprobs = 1 }))
            .WaitAsync(EngineFixture.Timeout);

        var prompt = outputs[0].PromptLogprobs!;
        Assert.Equal(outputs[0].PromptTokenIds!.Skip(1), prompt.Select(p => p.TokenId));
        Assert.All(outputs.Skip(1), o => Assert.Null(o.PromptLogprobs));
    }

    [Fact]
    public async Task GenerateAsync_NThreeWithPromptLogprobs_ScoresThePromptOnceAndSharesItsBlocks()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);

        var outputs = await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 2, N = 3, PromptLogprobs = 0 }, id: "p"))
            .WaitAsync(EngineFixture.Timeout);

        var withPromptLogprobs = Assert.Single(outputs, o => o.PromptLogprobs is not null);
        Assert.Equal(0, withPromptLogprobs.Index);
        Assert.Equal(Prompt.Length - 1, withPromptLogprobs.PromptLogprobs!.Count);
        var starts = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).ToDictionary(r => r.RequestId, r => (r.NumComputedTokens, r.Sampling.PromptLogprobs));
        Assert.Equal(new Dictionary<string, (int, int?)> { ["0_p"] = (0, 0), ["1_p"] = (8, null), ["2_p"] = (8, null) }, starts);
    }

    [Fact]
    public async Task GenerateAsync_WithoutPromptLogprobs_SendsNone()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var outputs = await engine.CollectAsync(EngineFixture.Text(Prompt, new GenerationParams { Temperature = 0, MaxTokens = 2 }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.All(outputs, o => Assert.Null(o.PromptLogprobs));
    }
}

using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>
/// Prompts given as input embeddings (vLLM's prompt_embeds): taken only with EnablePromptEmbeds and rows of the model's
/// hidden size; the worker gets them with placeholder tokens, truncated with the prompt; their prefix-cache blocks are
/// rooted in the embeddings, so neither a prompt of those placeholder tokens nor other embeddings share them.
/// </summary>
public sealed class InferenceEnginePromptEmbedsTests
{
    private const int Hidden = 4;

    private static readonly EngineOptions Enabled = new() { EnablePromptEmbeds = true, ExecutorFaultBackoff = TimeSpan.FromMilliseconds(1) };

    private static FakeStepExecutor Executor() => new(FakeStepExecutor.DefaultInfo() with { HiddenSize = Hidden });

    private static float[] Rows(int rows, float offset = 0) => [.. Enumerable.Range(0, rows * Hidden).Select(i => i * 0.5f + offset)];

    private static GenerationRequest Request(EmbedsPrompt prompt, GenerationParams? p = null) =>
        new(null, prompt, p ?? new GenerationParams { Temperature = 0, MaxTokens = 2 });

    [Fact]
    public async Task Embeddings_ReachTheWorkerWithPlaceholderTokens()
    {
        var executor = Executor();
        await using var engine = EngineFixture.Create(executor, Enabled);

        var outputs = await engine.CollectAsync(Request(new EmbedsPrompt(Rows(9), 9)));

        var sent = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).First();
        Assert.Equal(new int[9], sent.TokenIds);
        Assert.Equal(Rows(9), sent.PromptEmbeds);
        Assert.Equal(9, outputs[^1].Usage!.PromptTokens);
        Assert.Null(outputs[0].PromptTokenIds);
    }

    [Fact]
    public async Task TruncatePromptTokens_KeepsTheLastRows()
    {
        var executor = Executor();
        await using var engine = EngineFixture.Create(executor, Enabled);

        await engine.CollectAsync(Request(new EmbedsPrompt(Rows(9), 9), new GenerationParams { Temperature = 0, MaxTokens = 1, TruncatePromptTokens = 3 }));

        var sent = executor.PlansSoFar().SelectMany(plan => plan.NewRequests).First();
        Assert.Equal(3, sent.NumPromptTokens);
        Assert.Equal(Rows(9)[(6 * Hidden)..], sent.PromptEmbeds);
    }

    [Fact]
    public async Task PrefixCache_IsSharedOnlyByTheSameEmbeddings()
    {
        var executor = Executor();
        await using var engine = EngineFixture.Create(executor, Enabled);

        await engine.CollectAsync(Request(new EmbedsPrompt(Rows(9), 9)));
        var again = await engine.CollectAsync(Request(new EmbedsPrompt(Rows(9), 9)));
        var other = await engine.CollectAsync(Request(new EmbedsPrompt(Rows(9, offset: 1), 9)));
        var placeholders = await engine.CollectAsync(new GenerationRequest(null, new TokenIdsPrompt(new int[9]), new GenerationParams { Temperature = 0, MaxTokens = 2 }));

        Assert.Equal(8, again[^1].Usage!.CachedPromptTokens);
        Assert.Equal(0, other[^1].Usage!.CachedPromptTokens);
        Assert.Equal(0, placeholders[^1].Usage!.CachedPromptTokens);
    }

    [Fact]
    public async Task WithoutTheFlag_OrOfAnotherWidth_OrWithPromptLogprobs_IsRefusedNamingTheField()
    {
        await using var disabled = EngineFixture.Create(Executor());
        await using var engine = EngineFixture.Create(Executor(), Enabled);

        var off = await Assert.ThrowsAsync<GenerationValidationException>(() => disabled.CollectAsync(Request(new EmbedsPrompt(Rows(2), 2))));
        var width = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(Request(new EmbedsPrompt(Rows(2)[..7], 2))));
        var logprobs = await Assert.ThrowsAsync<GenerationValidationException>(() =>
            engine.CollectAsync(Request(new EmbedsPrompt(Rows(2), 2), new GenerationParams { Temperature = 0, MaxTokens = 1, PromptLogprobs = 1 })));

        Assert.Equal(("prompt_embeds", "prompt_embeds", "prompt_logprobs"), (off.Field, width.Field, logprobs.Field));
        Assert.Contains("--enable-prompt-embeds", off.Message);
        Assert.Contains("hidden size 4", width.Message);
    }
}

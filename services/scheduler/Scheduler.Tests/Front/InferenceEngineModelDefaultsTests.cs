using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>vLLM's <c>--generation-config auto</c>: unset request fields take the model's generation_config.json values.</summary>
public sealed class InferenceEngineModelDefaultsTests
{
    private static readonly SamplingDefaults QwenInstructDefaults =
        new(Temperature: 0.7f, TopP: 0.8f, TopK: 20, RepetitionPenalty: 1.05f, MaxTokens: 3);

    [Fact]
    public async Task GenerateAsync_UnsetSamplingFields_TakeTheModelsDefaults()
    {
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo() with { Defaults = QwenInstructDefaults });
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 1 })).WaitAsync(EngineFixture.Timeout);

        var sampling = executor.PlansSoFar()[0].NewRequests[0].Sampling;
        Assert.Equal((0.7f, 0.8f, 20, 1.05f), (sampling.Temperature, sampling.TopP, sampling.TopK, sampling.RepetitionPenalty));
    }

    [Fact]
    public async Task GenerateAsync_FieldsTheRequestSets_OverrideTheModelsDefaults()
    {
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo() with { Defaults = QwenInstructDefaults });
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 1, Temperature = 0, TopK = -1 }))
            .WaitAsync(EngineFixture.Timeout);

        var sampling = executor.PlansSoFar()[0].NewRequests[0].Sampling;
        Assert.Equal((0f, 0.8f, 0), (sampling.Temperature, sampling.TopP, sampling.TopK));
    }

    [Fact]
    public async Task GenerateAsync_NoModelDefaults_UsesVllmDefaults()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 1 })).WaitAsync(EngineFixture.Timeout);

        var sampling = executor.PlansSoFar()[0].NewRequests[0].Sampling;
        Assert.Equal((1f, 1f, 0, 0f, 1f), (sampling.Temperature, sampling.TopP, sampling.TopK, sampling.MinP, sampling.RepetitionPenalty));
    }

    [Fact]
    public async Task GenerateAsync_UnsetMaxTokens_StopsAtTheModelsMaxNewTokens()
    {
        var executor = new FakeStepExecutor(FakeStepExecutor.DefaultInfo() with { Defaults = QwenInstructDefaults });
        await using var engine = EngineFixture.Create(executor);

        var outputs = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { Temperature = 0 })).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(3, outputs.TokenIds().Length);
        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
    }
}

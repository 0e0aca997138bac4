using Inference.Abstractions.Generation;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

public sealed class InferenceEngineAbortTests
{
    [Fact]
    public async Task Abort_RunningRequest_EndsItsStreamWithFinishReasonAbort()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        await using var running = engine.GenerateAsync(EngineFixture.Text("a", new GenerationParams { Temperature = 0, MaxTokens = 50 }, id: "r1"), default)
            .GetAsyncEnumerator();
        executor.AllowSteps(1);
        await running.NextAsync();

        Assert.True(engine.Abort("r1"));

        var last = await running.NextAsync();
        while (last.Finish is null)
        {
            executor.AllowSteps(1);
            last = await running.NextAsync();
        }

        Assert.Equal(FinishReason.Abort, last.Finish);
        Assert.False(await running.MoveNextAsync().AsTask().WaitAsync(EngineFixture.Timeout));
    }

    [Fact]
    public async Task Abort_UnknownId_ReturnsFalse()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        Assert.False(engine.Abort("never-ran"));
    }

    [Fact]
    public async Task Abort_FinishedRequest_ReturnsFalseAndItsIdIsFreeAgain()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());
        await engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { Temperature = 0, MaxTokens = 1 }, id: "r1")).WaitAsync(EngineFixture.Timeout);

        Assert.False(engine.Abort("r1"));
        var again = await engine.CollectAsync(EngineFixture.Text("a", new GenerationParams { Temperature = 0, MaxTokens = 1 }, id: "r1")).WaitAsync(EngineFixture.Timeout);
        Assert.Equal(FinishReason.Length, again[^1].Finish);
    }
}

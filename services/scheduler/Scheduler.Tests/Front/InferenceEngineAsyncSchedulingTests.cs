using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>The engine with async scheduling (the default) against the same engine step by step.</summary>
public sealed class InferenceEngineAsyncSchedulingTests
{
    [Fact]
    public async Task GenerateAsync_ByDefault_HandsTheNextStepOverWhileOneRuns()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        var run = engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 4, Temperature = 0 }));

        await EngineFixture.EventuallyAsync(() => executor.Outstanding == 2);
        Assert.Empty(executor.PlansSoFar());
        executor.AllowSteps(10);
        var outputs = await run.WaitAsync(EngineFixture.Timeout);

        Assert.Equal("defg", outputs.Text());
        Assert.Equal(2, executor.MaxOutstanding);
    }

    [Fact]
    public async Task GenerateAsync_AsyncSchedulingOff_HandsOverOneStepAtATime()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor, new EngineOptions { AsyncScheduling = false });

        var outputs = await engine.CollectAsync(EngineFixture.Text("abc", new GenerationParams { MaxTokens = 4, Temperature = 0 }))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal("defg", outputs.Text());
        Assert.Equal(1, executor.MaxOutstanding);
    }

    public static TheoryData<GenerationParams> Params => new()
    {
        new GenerationParams { Temperature = 0, MaxTokens = 9 },
        new GenerationParams { Temperature = 0, Stop = ["gh"], MaxTokens = 20 },
        new GenerationParams { Temperature = 0, Stop = ["gh"], IncludeStopStrInOutput = true, MaxTokens = 20 },
        new GenerationParams { Temperature = 0, StopTokenIds = [104], MaxTokens = 20 },
        new GenerationParams { Temperature = 0, MaxTokens = 6, N = 3 },
    };

    [Theory]
    [MemberData(nameof(Params))]
    public async Task GenerateAsync_ConcurrentRequests_SameOutputsWithAndWithoutAsyncScheduling(GenerationParams p)
    {
        var expected = await RunAsync(p, asyncScheduling: false);
        var actual = await RunAsync(p, asyncScheduling: true);

        Assert.Equal(expected, actual);
    }

    private static async Task<string[]> RunAsync(GenerationParams p, bool asyncScheduling)
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(), new EngineOptions { AsyncScheduling = asyncScheduling });
        var runs = new[] { "abc", "b", "cdefghij", "zz" }.Select((prompt, i) => engine.CollectAsync(EngineFixture.Text(prompt, p, $"r{i}")));
        var outputs = await Task.WhenAll(runs).WaitAsync(EngineFixture.Timeout);
        return [.. outputs.Select(o => string.Join("|", o.GroupBy(x => x.Index).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}:{string.Concat(g.Select(x => x.TextDelta))}:{g.Last().Finish}:{g.Last().StopReason}:{g.Last().Usage?.CompletionTokens}")))];
    }
}

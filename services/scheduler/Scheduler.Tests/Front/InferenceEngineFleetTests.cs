using Inference.Abstractions.Generation;
using Inference.Abstractions.Execution;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>The engine over several workers: placement, failover, deadlines, admission and the no-worker timeout.</summary>
public sealed class InferenceEngineFleetTests
{
    private static readonly ExecutorInfo Model = FakeStepExecutor.DefaultInfo();

    private static InferenceEngine Fleet(EngineOptions? options = null) =>
        new(Model, new FakeTextTokenizer(), options ?? new EngineOptions());

    private static GenerationRequest Request(string text, int maxTokens, string? id = null) =>
        EngineFixture.Text(text, new GenerationParams { MaxTokens = maxTokens, IgnoreEos = true }, id);

    [Fact]
    public async Task ConcurrentRequests_UseEveryWorker()
    {
        await using var engine = Fleet();
        var w0 = new FakeStepExecutor();
        var w1 = new FakeStepExecutor();
        await engine.AddWorkerAsync("w0", "i0", w0);
        await engine.AddWorkerAsync("w1", "i1", w1);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 2);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => engine.CollectAsync(Request($"p{i}", 4)))).WaitAsync(EngineFixture.Timeout);

        Assert.NotEmpty(w0.PlansSoFar());
        Assert.NotEmpty(w1.PlansSoFar());
    }

    [Fact]
    public async Task AHungWorker_MissesItsDeadline_AndItsRequestFinishesOnAnother_WithTheSameTokens()
    {
        var options = new EngineOptions { StepTimeout = TimeSpan.FromMilliseconds(300), StepTimeoutPerToken = TimeSpan.Zero, Placement = Core.Fleet.PlacementPolicy.RoundRobin };
        await using var reference = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), options);
        var expected = await reference.CollectAsync(Request("abc", 6)).WaitAsync(EngineFixture.Timeout);

        await using var engine = Fleet(options);
        var hung = new FakeStepExecutor(gated: true);
        var healthy = new FakeStepExecutor();
        await engine.AddWorkerAsync("hung", "i0", hung);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 1);
        await engine.AddWorkerAsync("healthy", "i1", healthy);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 2);

        var outputs = await engine.CollectAsync(Request("abc", 6)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(expected.TokenIds(), outputs.TokenIds());
        Assert.Equal(["healthy"], engine.Snapshot.Workers.Select(w => w.WorkerId));
    }

    [Fact]
    public async Task AHungWorker_DoesNotStallRequestsOnOtherWorkers()
    {
        await using var engine = Fleet(new EngineOptions { Placement = Core.Fleet.PlacementPolicy.RoundRobin });
        var hung = new FakeStepExecutor(gated: true);
        await engine.AddWorkerAsync("hung", "i0", hung);
        await engine.AddWorkerAsync("healthy", "i1", new FakeStepExecutor());
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 2);
        using var cancel = new CancellationTokenSource();
        var stuck = engine.CollectAsync(Request("abc", 3), cancel.Token);

        var outputs = await engine.CollectAsync(Request("xyz", 3)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, outputs[^1].Finish);
        Assert.False(stuck.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.WaitAsync(EngineFixture.Timeout));
    }

    [Fact]
    public async Task RemoveWorker_MidGeneration_MovesTheRequest_WithTheSameTokens()
    {
        await using var reference = new InferenceEngine(new FakeStepExecutor(), new FakeTextTokenizer(), new EngineOptions());
        var expected = await reference.CollectAsync(Request("abc", 8)).WaitAsync(EngineFixture.Timeout);

        await using var engine = Fleet();
        var first = new FakeStepExecutor(gated: true);
        await engine.AddWorkerAsync("w0", "i0", first);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 1);
        var run = engine.CollectAsync(Request("abc", 8));
        first.AllowSteps(3);
        await EngineFixture.EventuallyAsync(() => first.PlansSoFar().Length == 3); // the fourth waits at the gate

        await engine.AddWorkerAsync("w1", "i1", new FakeStepExecutor());
        engine.RemoveWorker("w0", null, "test");
        var outputs = await run.WaitAsync(EngineFixture.Timeout);

        Assert.Equal(expected.TokenIds(), outputs.TokenIds());
    }

    [Fact]
    public async Task WithNoWorker_RequestsFailAfterTheNoWorkerTimeout()
    {
        await using var engine = Fleet(new EngineOptions { NoWorkerTimeout = TimeSpan.FromMilliseconds(200) });

        var error = await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.CollectAsync(Request("abc", 3)).WaitAsync(EngineFixture.Timeout));

        Assert.Contains("no worker", error.Message);
        Assert.Equal(0, engine.NumAdmitted);
    }

    [Fact]
    public async Task AWorkerJoiningInTime_ServesTheWaitingRequests()
    {
        await using var engine = Fleet();
        var run = engine.CollectAsync(Request("abc", 3));
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumUnplaced == 1);

        await engine.AddWorkerAsync("w0", "i0", new FakeStepExecutor());
        var outputs = await run.WaitAsync(EngineFixture.Timeout);

        Assert.Equal("def", outputs.Text());
    }

    [Fact]
    public async Task BeyondMaxConcurrentRequests_IsRefusedAtOnce_AndAdmitsAgainWhenOneEnds()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = new InferenceEngine(executor, new FakeTextTokenizer(), new EngineOptions { MaxConcurrentRequests = 2 });
        var running = new[] { engine.CollectAsync(Request("a", 1)), engine.CollectAsync(Request("b", 1)) };
        await EngineFixture.EventuallyAsync(() => engine.NumAdmitted == 2);

        await Assert.ThrowsAsync<EngineOverloadedException>(() => engine.CollectAsync(Request("c", 1)).WaitAsync(EngineFixture.Timeout));
        executor.AllowSteps(10);
        await Task.WhenAll(running).WaitAsync(EngineFixture.Timeout);
        var after = await engine.CollectAsync(Request("d", 1)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(FinishReason.Length, after[^1].Finish);
    }

    [Fact]
    public async Task AddWorker_OfAnotherModel_IsRefusedNamingTheDifference()
    {
        await using var engine = Fleet();
        var other = new FakeStepExecutor(FakeStepExecutor.DefaultInfo() with { VocabSize = 5000 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.AddWorkerAsync("w0", "i0", other));

        Assert.Contains("vocab_size", error.Message);
    }

    [Fact]
    public async Task AddWorker_PoolingAnotherWay_IsRefusedNamingTheModes()
    {
        await using var engine = Fleet();
        var mean = FakeStepExecutor.DefaultPooling with { Mode = PoolingMode.Mean };
        var other = new FakeStepExecutor(FakeStepExecutor.DefaultInfo(pooling: mean));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.AddWorkerAsync("w0", "i0", other));

        Assert.Contains("pooling", error.Message);
        Assert.Contains("Mean pooling", error.Message);
        Assert.Contains("LastToken pooling", error.Message);
    }

    [Fact]
    public async Task AddWorker_ANewInstanceUnderTheSameId_ReplacesTheOldOne()
    {
        await using var engine = Fleet();
        await engine.AddWorkerAsync("w0", "old", new FakeStepExecutor());
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.SingleOrDefault()?.InstanceId == "old");

        var restarted = new FakeStepExecutor();
        await engine.AddWorkerAsync("w0", "new", restarted);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.SingleOrDefault()?.InstanceId == "new");
        await engine.CollectAsync(Request("abc", 2)).WaitAsync(EngineFixture.Timeout);

        Assert.NotEmpty(restarted.PlansSoFar());
    }
}

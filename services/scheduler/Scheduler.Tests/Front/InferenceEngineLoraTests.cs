using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>LoRA adapters: a request names one the workers serve, and every time it starts on a worker it carries it.</summary>
public sealed class InferenceEngineLoraTests
{
    private static FakeStepExecutor WithAdapters(Func<IReadOnlyList<int>, IReadOnlyList<TokenLogprob>>? distribution = null) =>
        new(FakeStepExecutor.DefaultInfo(loraAdapters: FakeStepExecutor.TwoAdapters), distribution: distribution);

    private static GenerationRequest Request(string? loraName, int n = 1, string? id = null) =>
        EngineFixture.Text("hello", new GenerationParams { Temperature = 0, MaxTokens = 2, N = n, LoraName = loraName }, id);

    [Fact]
    public async Task GenerateAsync_WithAnAdapter_SendsItsNameToTheWorker()
    {
        var executor = WithAdapters();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(Request("chat-lora", id: "r1")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal([("r1", "chat-lora")], executor.NewRequestLoraNames());
    }

    [Fact]
    public async Task GenerateAsync_WithoutAnAdapter_SendsNone()
    {
        var executor = WithAdapters();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(Request(null, id: "r1")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal([("r1", null)], executor.NewRequestLoraNames());
    }

    [Fact]
    public async Task GenerateAsync_ParallelSampling_SendsTheAdapterWithEveryCompletion()
    {
        var executor = WithAdapters();
        await using var engine = EngineFixture.Create(executor);

        await engine.CollectAsync(Request("sql-lora", n: 3, id: "r1")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(["sql-lora", "sql-lora", "sql-lora"], executor.NewRequestLoraNames().Select(n => n.LoraName));
    }

    [Fact]
    public async Task GenerateAsync_BeamSearch_SendsTheAdapterWithEveryBeamStep()
    {
        var executor = WithAdapters(distribution: _ => [new TokenLogprob(5, -0.1f), new TokenLogprob(6, -2f), new TokenLogprob(7, -3f)]);
        await using var engine = EngineFixture.Create(executor);
        var p = new GenerationParams { UseBeamSearch = true, N = 1, MaxTokens = 3, LoraName = "sql-lora" };

        await engine.CollectAsync(EngineFixture.Text("hello", p)).WaitAsync(EngineFixture.Timeout);

        var sent = executor.NewRequestLoraNames();
        Assert.Equal(3, sent.Length);
        Assert.All(sent, n => Assert.Equal("sql-lora", n.LoraName));
    }

    [Fact]
    public async Task GenerateAsync_TheSamePromptUnderOneAdapter_ReusesItsCachedBlocks()
    {
        await using var engine = EngineFixture.Create(WithAdapters(), new EngineOptions { EnablePrefixCaching = true });
        var prompt = new string('a', 17);
        GenerationRequest Under(string? lora) =>
            EngineFixture.Text(prompt, new GenerationParams { Temperature = 0, MaxTokens = 1, LoraName = lora });

        await engine.CollectAsync(Under("sql-lora")).WaitAsync(EngineFixture.Timeout);
        var baseModel = await engine.CollectAsync(Under(null)).WaitAsync(EngineFixture.Timeout);
        var otherAdapter = await engine.CollectAsync(Under("chat-lora")).WaitAsync(EngineFixture.Timeout);
        var sameAdapter = await engine.CollectAsync(Under("sql-lora")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal((0, 0, 16), (baseModel[^1].Usage!.CachedPromptTokens, otherAdapter[^1].Usage!.CachedPromptTokens,
            sameAdapter[^1].Usage!.CachedPromptTokens));
    }

    [Fact]
    public async Task GenerateAsync_AnAdapterNoWorkerServes_IsRejectedNamingLoraName()
    {
        var executor = WithAdapters();
        await using var engine = EngineFixture.Create(executor);

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(Request("nope")))
            .WaitAsync(EngineFixture.Timeout);

        Assert.Equal("lora_name", error.Field);
        Assert.Contains("sql-lora, chat-lora", error.Message);
        Assert.Empty(executor.PlansSoFar());
    }

    [Fact]
    public async Task EmbedAsync_WithAnAdapter_SendsItsNameToTheWorker()
    {
        var executor = WithAdapters();
        await using var engine = EngineFixture.Create(executor);

        await engine.EmbedAsync(new EmbeddingRequest("e1", new TextPrompt("hello"), LoraName: "sql-lora"), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal([("e1", "sql-lora")], executor.NewRequestLoraNames());
    }

    [Fact]
    public async Task EmbedAsync_AnAdapterNoWorkerServes_IsRejectedNamingLoraName()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor());

        var error = await Assert.ThrowsAsync<GenerationValidationException>(
            () => engine.EmbedAsync(new EmbeddingRequest("e1", new TextPrompt("hello"), LoraName: "sql-lora"), default)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal("lora_name", error.Field);
        Assert.Contains("serves none", error.Message);
    }

    [Fact]
    public async Task AddWorker_WithOtherAdapters_IsRefusedNamingLoraAdapters()
    {
        await using var engine = new InferenceEngine(FakeStepExecutor.DefaultInfo(loraAdapters: FakeStepExecutor.TwoAdapters),
            new FakeTextTokenizer(), new EngineOptions());
        var otherRank = FakeStepExecutor.TwoAdapters.Select(a => a with { Rank = a.Rank * 2 }).ToArray();

        var missing = await Assert.ThrowsAsync<ArgumentException>(() => engine.AddWorkerAsync("w0", "i0", new FakeStepExecutor()));
        var reranked = await Assert.ThrowsAsync<ArgumentException>(() =>
            engine.AddWorkerAsync("w1", "i1", new FakeStepExecutor(FakeStepExecutor.DefaultInfo(loraAdapters: otherRank))));

        Assert.Contains("lora_adapters is none", missing.Message);
        Assert.Contains("lora_adapters is chat-lora (rank 32), sql-lora (rank 16)", reranked.Message);
    }

    [Fact]
    public async Task AddWorker_WithTheSameAdaptersElsewhereOnDiskInAnotherOrder_Joins()
    {
        await using var engine = new InferenceEngine(FakeStepExecutor.DefaultInfo(loraAdapters: FakeStepExecutor.TwoAdapters),
            new FakeTextTokenizer(), new EngineOptions());
        LoraAdapterInfo[] moved = [.. FakeStepExecutor.TwoAdapters.Reverse().Select(a => a with { Path = "/mnt" + a.Path })];

        await engine.AddWorkerAsync("w0", "i0", new FakeStepExecutor(FakeStepExecutor.DefaultInfo(loraAdapters: moved)));

        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 1);
    }
}

using Inference.Abstractions.Execution;
using Inference.Abstractions.Generation;
using Scheduler.Core;
using Scheduler.Tests.Fakes;

namespace Scheduler.Tests.Front;

/// <summary>LoRA adapters loaded and unloaded while the engine serves (vLLM's /v1/load_lora_adapter and
/// /v1/unload_lora_adapter): every worker holds every adapter, joiners included, and an unload waits for its requests.</summary>
public sealed class InferenceEngineRuntimeLoraTests
{
    private static async Task<(InferenceEngine Engine, FakeStepExecutor W0, FakeStepExecutor W1)> FleetOfTwoAsync(
        EngineOptions? options = null, IReadOnlyList<LoraAdapterInfo>? startAdapters = null)
    {
        var info = FakeStepExecutor.DefaultInfo(loraAdapters: startAdapters);
        var engine = new InferenceEngine(info, new FakeTextTokenizer(), options ?? new EngineOptions());
        var (w0, w1) = (new FakeStepExecutor(info), new FakeStepExecutor(info));
        await engine.AddWorkerAsync("w0", "i0", w0);
        await engine.AddWorkerAsync("w1", "i1", w1);
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.Workers.Count == 2);
        return (engine, w0, w1);
    }

    private static GenerationRequest Request(string? loraName, string prompt = "hello", int maxTokens = 2, string? id = null) =>
        EngineFixture.Text(prompt, new GenerationParams { Temperature = 0, MaxTokens = maxTokens, LoraName = loraName }, id);

    [Fact]
    public async Task Load_ReachesEveryWorker_ThenRequestsMayNameIt()
    {
        var (engine, w0, w1) = await FleetOfTwoAsync();
        await using var _ = engine;

        var loaded = await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default).WaitAsync(EngineFixture.Timeout);
        await engine.CollectAsync(Request("sql-lora", id: "r1")).WaitAsync(EngineFixture.Timeout);

        Assert.Equal(new LoraAdapterInfo("sql-lora", "/adapters/sql", 8), loaded);
        Assert.Equal([loaded], engine.LoraAdapters);
        Assert.Equal("/adapters/sql", w0.RuntimeAdapters["sql-lora"].Path);
        Assert.Equal("/adapters/sql", w1.RuntimeAdapters["sql-lora"].Path);
        Assert.Contains(("r1", "sql-lora"), w0.NewRequestLoraNames().Concat(w1.NewRequestLoraNames()));
    }

    [Fact]
    public async Task Load_ListsStartAdaptersFirst_ThenLoadsInOrder()
    {
        var (engine, _, _) = await FleetOfTwoAsync(startAdapters: FakeStepExecutor.TwoAdapters);
        await using var _e = engine;

        await engine.LoadLoraAdapterAsync("b", "/adapters/b", default);
        await engine.LoadLoraAdapterAsync("a", "/adapters/a", default);

        Assert.Equal(["sql-lora", "chat-lora", "b", "a"], engine.LoraAdapters.Select(a => a.Name));
    }

    [Theory]
    [InlineData("fake-model", "served model's name")]
    [InlineData("sql-lora", "has already been loaded")]
    [InlineData("runtime", "has already been loaded")]
    public async Task Load_UnderATakenName_IsRefused(string name, string expected)
    {
        var (engine, w0, _) = await FleetOfTwoAsync(startAdapters: FakeStepExecutor.TwoAdapters);
        await using var _e = engine;
        await engine.LoadLoraAdapterAsync("runtime", "/adapters/first", default);

        var error = await Assert.ThrowsAsync<LoraAdapterConflictException>(() => engine.LoadLoraAdapterAsync(name, "/adapters/other", default));

        Assert.Contains(expected, error.Message);
        Assert.Equal("/adapters/first", w0.RuntimeAdapters["runtime"].Path);
    }

    [Theory]
    [InlineData("", "/adapters/x", "lora_name")]
    [InlineData("x", "", "lora_path")]
    public async Task Load_WithoutNameOrPath_IsRefusedNamingTheField(string name, string path, string field)
    {
        var (engine, _, _) = await FleetOfTwoAsync();
        await using var _e = engine;

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.LoadLoraAdapterAsync(name, path, default));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task Load_AWorkerRefuses_NothingStaysLoaded_AndTheNameIsFree()
    {
        var (engine, w0, w1) = await FleetOfTwoAsync();
        await using var _e = engine;
        w1.LoadLora = (_, _) => throw new ArgumentException("q_proj lora_A has shape [8, 64], the model's q_proj takes 32");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default));

        Assert.StartsWith("w1: q_proj lora_A has shape", error.Message);
        Assert.Empty(w0.RuntimeAdapters);
        Assert.Empty(engine.LoraAdapters);
        w1.LoadLora = (name, path) => new(name, path, 8);
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
        Assert.Single(engine.LoraAdapters);
    }

    [Fact]
    public async Task Load_AMissingFolder_SurfacesAsFileNotFound()
    {
        var (engine, _, w1) = await FleetOfTwoAsync();
        await using var _e = engine;
        w1.LoadLora = (_, path) => throw new FileNotFoundException($"No adapter_config.json in {path}");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/nowhere", default));

        Assert.Equal("w1: No adapter_config.json in /nowhere", error.Message);
    }

    [Fact]
    public async Task Load_AboveTheMaxLoraRank_IsRefused_AndDroppedFromTheWorkers()
    {
        var (engine, w0, w1) = await FleetOfTwoAsync(new EngineOptions { MaxLoraRank = 4 });
        await using var _e = engine;

        var error = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default));

        Assert.Equal("lora_path", error.Field);
        Assert.Contains("rank 8, more than the max LoRA rank 4", error.Message);
        Assert.Empty(w0.RuntimeAdapters);
        Assert.Empty(w1.RuntimeAdapters);
    }

    [Fact]
    public async Task Load_WorkersReadingDifferentRanks_IsRefused()
    {
        var (engine, w0, _) = await FleetOfTwoAsync();
        await using var _e = engine;
        w0.LoadLora = (name, path) => new(name, path, 16);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default));

        Assert.Contains("every worker must see the same adapter", error.Message);
        Assert.Empty(w0.RuntimeAdapters);
    }

    [Fact]
    public async Task Load_WithNoWorker_IsUnavailable()
    {
        await using var engine = new InferenceEngine(FakeStepExecutor.DefaultInfo(), new FakeTextTokenizer(), new EngineOptions());

        await Assert.ThrowsAsync<EngineUnavailableException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default));
    }

    [Fact]
    public async Task AJoiningWorker_LoadsTheRunTimeAdapters_BeforeItServes()
    {
        var (engine, _, _) = await FleetOfTwoAsync();
        await using var _e = engine;
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
        var joiner = new FakeStepExecutor(engine.ExecutorInfo);

        await engine.AddWorkerAsync("w2", "i2", joiner);

        Assert.Equal("/adapters/sql", joiner.RuntimeAdapters["sql-lora"].Path);
    }

    [Fact]
    public async Task AJoiningWorker_ThatCannotLoadARunTimeAdapter_IsRefusedNamingIt()
    {
        var (engine, _, _) = await FleetOfTwoAsync();
        await using var _e = engine;
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
        var joiner = new FakeStepExecutor(engine.ExecutorInfo) { LoadLora = (_, path) => throw new FileNotFoundException($"{path} is missing") };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => engine.AddWorkerAsync("w2", "i2", joiner));

        Assert.Contains("cannot load the LoRA adapter 'sql-lora' that was loaded at run time from /adapters/sql: /adapters/sql is missing", error.Message);
        await Task.Delay(50);
        Assert.Equal(2, engine.Snapshot.Workers.Count);
    }

    [Fact]
    public async Task Unload_OfAnUnusedAdapter_DropsItFromEveryWorker_AndFreesTheName()
    {
        var (engine, w0, w1) = await FleetOfTwoAsync();
        await using var _e = engine;
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);

        var stillUsing = await engine.UnloadLoraAdapterAsync("sql-lora").WaitAsync(EngineFixture.Timeout);

        Assert.Equal(0, stillUsing);
        Assert.Empty(engine.LoraAdapters);
        Assert.Empty(w0.RuntimeAdapters);
        Assert.Empty(w1.RuntimeAdapters);
        var refused = await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(Request("sql-lora")));
        Assert.Equal("lora_name", refused.Field);
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql-v2", default);
        Assert.Equal("/adapters/sql-v2", w0.RuntimeAdapters["sql-lora"].Path);
    }

    [Fact]
    public async Task Unload_WhileARequestRuns_RefusesNewOnes_LetsItFinish_ThenDrops()
    {
        var executor = new FakeStepExecutor(gated: true);
        await using var engine = EngineFixture.Create(executor);
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
        var running = engine.CollectAsync(Request("sql-lora", maxTokens: 3));
        await EngineFixture.EventuallyAsync(() => engine.Snapshot.NumRunning == 1);

        var stillUsing = await engine.UnloadLoraAdapterAsync("sql-lora");

        Assert.Equal(1, stillUsing);
        Assert.Empty(engine.LoraAdapters);
        await Assert.ThrowsAsync<GenerationValidationException>(() => engine.CollectAsync(Request("sql-lora")));
        var reload = await Assert.ThrowsAsync<LoraAdapterConflictException>(() => engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default));
        Assert.Contains("is being unloaded: 1 admitted request(s) still use it", reload.Message);
        Assert.True(executor.RuntimeAdapters.ContainsKey("sql-lora"));

        executor.AllowSteps(100);
        var outputs = await running.WaitAsync(EngineFixture.Timeout);

        Assert.Equal(3, outputs.Sum(o => o.NewTokens.Count));
        await EngineFixture.EventuallyAsync(() => executor.RuntimeAdapters.Count == 0);
        // The name is free once the workers dropped the adapter: the load that follows then succeeds.
        var deadline = DateTime.UtcNow + EngineFixture.Timeout;
        while (engine.LoraAdapters.Count == 0)
        {
            try
            {
                await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
            }
            catch (LoraAdapterConflictException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
    }

    [Fact]
    public async Task Unload_OfAStartAdapter_OrAnUnknownOne_IsRefused()
    {
        var (engine, _, _) = await FleetOfTwoAsync(startAdapters: FakeStepExecutor.TwoAdapters);
        await using var _e = engine;

        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.UnloadLoraAdapterAsync("sql-lora"));
        var unknown = await Assert.ThrowsAsync<LoraAdapterNotFoundException>(() => engine.UnloadLoraAdapterAsync("nope"));

        Assert.Equal("The lora adapter 'nope' cannot be found.", unknown.Message);
        Assert.Equal(2, engine.LoraAdapters.Count);
    }

    [Fact]
    public async Task TheSameNameLoadedAgain_DoesNotReuseTheOldLoadsCachedBlocks()
    {
        await using var engine = EngineFixture.Create(new FakeStepExecutor(), new EngineOptions { EnablePrefixCaching = true });
        var prompt = new string('a', 17);
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);
        await engine.CollectAsync(Request("sql-lora", prompt, maxTokens: 1)).WaitAsync(EngineFixture.Timeout);
        var sameLoad = await engine.CollectAsync(Request("sql-lora", prompt, maxTokens: 1)).WaitAsync(EngineFixture.Timeout);

        await engine.UnloadLoraAdapterAsync("sql-lora");
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql-retrained", default);
        var nextLoad = await engine.CollectAsync(Request("sql-lora", prompt, maxTokens: 1)).WaitAsync(EngineFixture.Timeout);

        Assert.Equal((16, 0), (sameLoad[^1].Usage!.CachedPromptTokens, nextLoad[^1].Usage!.CachedPromptTokens));
    }

    [Fact]
    public async Task EmbedAsync_WithARunTimeAdapter_SendsItsName()
    {
        var executor = new FakeStepExecutor();
        await using var engine = EngineFixture.Create(executor);
        await engine.LoadLoraAdapterAsync("sql-lora", "/adapters/sql", default);

        await engine.EmbedAsync(new EmbeddingRequest("e1", new TextPrompt("hello"), LoraName: "sql-lora"), default).WaitAsync(EngineFixture.Timeout);

        Assert.Equal([("e1", "sql-lora")], executor.NewRequestLoraNames());
    }
}

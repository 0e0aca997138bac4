using Inference.Abstractions.Execution;
using Inference.Testing.Logging;
using Microsoft.Extensions.Logging;
using Worker.Runtime;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>
/// Adapters loaded while the runner serves (LoadLoraAdapterAsync) compute what the same adapter loaded at start
/// computes; unloading or replacing a name changes what new requests get, never a running request's weights.
/// Each test loads under names of its own, as the fixture's runner is shared.
/// </summary>
public sealed class LoraRuntimeLoadingTests(Qwen2LoraFixture fixture) : IClassFixture<Qwen2LoraFixture>
{
    private const int Count = 8;
    private static readonly int[] Prompt = [5, 17, 300, 42, 42, 7, 211];

    [Fact]
    public async Task Load_ReturnsTheAdapter_AndInfoStillListsOnlyTheStartAdapters()
    {
        string path = fixture.AdapterPath(LoraModelFixture.AllLinear);

        var loaded = await Load("listed", path);

        Assert.Equal(new LoraAdapterInfo("listed", path, LoraModelFixture.AllLinearSpec.Rank), loaded);
        Assert.Equal([LoraModelFixture.AllLinear, LoraModelFixture.Subset, LoraModelFixture.RsLora], fixture.Runner.Info.LoraAdapters!.Select(a => a.Name));
    }

    [Fact]
    public async Task RuntimeAdapter_GivesTheLogitsOfTheSameAdapterLoadedAtStart()
    {
        await Load("logits", fixture.AdapterPath(LoraModelFixture.AllLinear));

        var runtime = fixture.Runner.ComputeLogits(Prompt, "logits");

        Assert.Equal(fixture.Runner.ComputeLogits(Prompt, LoraModelFixture.AllLinear), runtime);
        Assert.NotEqual(fixture.Runner.ComputeLogits(Prompt), runtime);
    }

    [Fact]
    public async Task RuntimeAdapter_NamedByANewRequest_GreedyTokensMatchTheStartAdapter()
    {
        var atStart = await GreedyTokens(LoraModelFixture.AllLinear);
        await Load("tokens", fixture.AdapterPath(LoraModelFixture.AllLinear));

        var runtime = await GreedyTokens("tokens");

        Assert.Equal(atStart, runtime);
        Assert.NotEqual(await GreedyTokens(null), runtime);
    }

    [Fact]
    public async Task Unload_RefusesNewRequestsNamingIt()
    {
        await Load("gone", fixture.AdapterPath(LoraModelFixture.AllLinear));

        Assert.True(await Unload("gone"));

        var plan = Steps.Plan(0, [Steps.NewRequest("after-unload", Prompt, [0, 1, 2, 3], Prompt.Length, lora: "gone")]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.Run(fixture.Runner, plan));
        Assert.Contains("lora_name 'gone'", error.Message);
        Assert.Equal(0, fixture.Runner.NumRequests);
    }

    [Fact]
    public async Task Unload_RequestStartedBefore_KeepsDecodingWithTheAdapter()
    {
        var withAdapter = await GreedyTokens(LoraModelFixture.AllLinear);
        await Load("unloaded-while-running", fixture.AdapterPath(LoraModelFixture.AllLinear));
        var running = new SteppedRequest(fixture.Runner, "running", Prompt, 0, Count, "unloaded-while-running");
        await running.StartAsync();

        Assert.True(await Unload("unloaded-while-running"));
        await running.FinishAsync(Count);

        Assert.Equal(withAdapter, running.Tokens);
    }

    [Fact]
    public async Task Replace_NewRequestsGetTheNewAdapter_ARunningOneKeepsTheOld()
    {
        var allLinear = await GreedyTokens(LoraModelFixture.AllLinear);
        var subset = await GreedyTokens(LoraModelFixture.Subset);
        Assert.NotEqual(allLinear, subset);
        await Load("replaced", fixture.AdapterPath(LoraModelFixture.AllLinear));
        var before = new SteppedRequest(fixture.Runner, "before-replace", Prompt, 0, Count, "replaced");
        await before.StartAsync();

        await Load("replaced", fixture.AdapterPath(LoraModelFixture.Subset));
        var after = new SteppedRequest(fixture.Runner, "after-replace", Prompt, 10, Count, "replaced");
        await after.StartAsync();
        await before.FinishAsync(Count);
        await after.FinishAsync(Count);

        Assert.Equal(allLinear, before.Tokens);
        Assert.Equal(subset, after.Tokens);
    }

    [Fact]
    public async Task LoadReplaceAndUnload_AreEachLoggedAtInformation()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        using var runner = ModelRunner.Load(fixture.BasePath, LoraModelFixture.Options, loggerFactory);
        string allLinear = fixture.AdapterPath(LoraModelFixture.AllLinear), subset = fixture.AdapterPath(LoraModelFixture.Subset);

        await Steps.LoadLoraAdapter(runner, "logged", allLinear);
        await Steps.LoadLoraAdapter(runner, "logged", subset);
        await Steps.UnloadLoraAdapter(runner, "logged");

        var messages = logs.AtLeast(LogLevel.Information).Where(l => l.Message.Contains("LoRA adapter logged", StringComparison.Ordinal)).ToList();
        Assert.All(messages, l => Assert.Equal(LogLevel.Information, l.Level));
        Assert.Collection(messages,
            l => Assert.StartsWith($"Loaded LoRA adapter logged from {allLinear}: rank {LoraModelFixture.AllLinearSpec.Rank}", l.Message),
            l => Assert.StartsWith($"Loaded LoRA adapter logged from {subset}: rank {LoraModelFixture.SubsetSpec.Rank}", l.Message),
            l => Assert.StartsWith($"LoRA adapter logged replaced the one loaded from {allLinear}", l.Message),
            l => Assert.StartsWith($"Unloaded LoRA adapter logged ({subset})", l.Message));
    }

    private async Task<List<int>> GreedyTokens(string? lora) =>
        [.. (await Steps.Generate(fixture.Runner, Prompt, Count, lora: lora)).Select(s => s.TokenId)];

    private Task<LoraAdapterInfo> Load(string name, string path) => Steps.LoadLoraAdapter(fixture.Runner, name, path);

    private Task<bool> Unload(string name) => Steps.UnloadLoraAdapter(fixture.Runner, name);
}

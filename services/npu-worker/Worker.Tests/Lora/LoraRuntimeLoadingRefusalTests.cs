using Inference.Testing.Checkpoints;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>
/// What LoadLoraAdapterAsync and UnloadLoraAdapterAsync refuse, with IStepExecutor's exceptions: a refused load
/// publishes nothing, a refused unload leaves the adapter serving.
/// </summary>
public sealed class LoraRuntimeLoadingRefusalTests(Qwen2LoraFixture fixture) : IClassFixture<Qwen2LoraFixture>, IDisposable
{
    private static readonly int[] Prompt = [5, 17, 300, 42];
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Load_NameOfAStartAdapter_IsRefusedSayingItWasLoadedAtStart()
    {
        var before = fixture.Runner.ComputeLogits(Prompt, LoraModelFixture.AllLinear);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Steps.LoadLoraAdapter(fixture.Runner, LoraModelFixture.AllLinear, fixture.AdapterPath(LoraModelFixture.Subset)));

        Assert.Contains($"'{LoraModelFixture.AllLinear}' was loaded at start", error.Message);
        Assert.Equal(before, fixture.Runner.ComputeLogits(Prompt, LoraModelFixture.AllLinear));
    }

    [Fact]
    public async Task Unload_NameOfAStartAdapter_IsRefusedAndTheAdapterKeepsServing()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Steps.UnloadLoraAdapter(fixture.Runner, LoraModelFixture.Subset));

        Assert.Contains($"'{LoraModelFixture.Subset}' was loaded at start", error.Message);
        await Steps.Generate(fixture.Runner, Prompt, 2, lora: LoraModelFixture.Subset);
    }

    [Fact]
    public async Task Load_MissingFolder_ThrowsFileNotFoundNamingTheAdapterAndFolder()
    {
        string missing = Path.Combine(_dir.Path, "no-such-adapter");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Steps.LoadLoraAdapter(fixture.Runner, "missing", missing));

        Assert.StartsWith($"LoRA adapter 'missing' ({missing}) cannot be loaded:", error.Message);
        Assert.Contains("does not exist", error.Message);
        AssertNotLoaded("missing");
    }

    [Fact]
    public async Task Load_FolderWithoutAdapterConfig_ThrowsFileNotFound()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Steps.LoadLoraAdapter(fixture.Runner, "empty", _dir.Path));

        Assert.Contains("has no adapter_config.json", error.Message);
        AssertNotLoaded("empty");
    }

    [Fact]
    public async Task Load_AdapterForOtherDims_ThrowsArgumentNamingTheTensor()
    {
        string adapter = Path.Combine(_dir.Path, "wide");
        RandomLoraWriter.Write(adapter, fixture.Spec.Decoder with { Hidden = 48 }, new RandomLoraSpec());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.LoadLoraAdapter(fixture.Runner, "wide", adapter));

        Assert.StartsWith($"LoRA adapter 'wide' ({adapter}) cannot be loaded:", error.Message);
        Assert.Contains("has shape [48, 8], expected [64, 8]", error.Message);
        AssertNotLoaded("wide");
    }

    [Theory]
    [InlineData("", "/some/adapter", "name")]
    [InlineData(" ", "/some/adapter", "name")]
    [InlineData("named", "", "path")]
    public async Task Load_EmptyNameOrPath_ThrowsArgumentNamingTheParameter(string name, string path, string parameter)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Steps.LoadLoraAdapter(fixture.Runner, name, path));

        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public async Task Load_NameOfTheServedModel_ThrowsArgument()
    {
        string served = fixture.Runner.Info.ModelName;

        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => Steps.LoadLoraAdapter(fixture.Runner, served, fixture.AdapterPath(LoraModelFixture.AllLinear)));

        Assert.Contains($"'{served}' is the served model name", error.Message);
    }

    [Fact]
    public async Task Unload_NameNeverLoaded_ReturnsFalse()
    {
        Assert.False(await Steps.UnloadLoraAdapter(fixture.Runner, "never-loaded"));
    }

    private void AssertNotLoaded(string name) =>
        Assert.Contains($"LoRA adapter '{name}' is not loaded", Assert.Throws<ArgumentException>(() => fixture.Runner.ComputeLogits(Prompt, name)).Message);
}

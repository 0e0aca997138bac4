using Inference.Abstractions.Execution;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Lora;
using Worker.Tests.Support;

namespace Worker.Tests.Lora;

/// <summary>ModelRunner.Load with LoraModules: reports the adapters in Info; a bad adapter fails the load naming it.</summary>
public sealed class LoraModelRunnerLoadTests : IDisposable
{
    private static readonly RandomModelSpec Model = new(32, 48, 2, 4, 2, TieWordEmbeddings: true, Std: 0.08, Seed: 3, VocabSize: 300);
    private readonly TemporaryDirectory _dir = new();

    public LoraModelRunnerLoadTests() => RandomCheckpointWriter.Write(ModelPath, Model);

    private string ModelPath => Path.Combine(_dir.Path, "base");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_ReportsEachAdapterInInfo()
    {
        string adapter = Path.Combine(_dir.Path, "a");
        RandomLoraWriter.Write(adapter, ModelPath, new RandomLoraSpec(Rank: 6));
        using var runner = ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 8, Threads = 1, LoraModules = [new LoraModule("sql", adapter)] });
        Assert.Equal([new LoraAdapterInfo("sql", adapter, 6)], runner.Info.LoraAdapters!);
    }

    [Fact]
    public void Load_WithoutAdapters_ReportsNone()
    {
        using var runner = ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 8, Threads = 1 });
        Assert.Empty(runner.Info.LoraAdapters!);
    }

    [Fact]
    public void Load_BadAdapter_FailsNamingIt()
    {
        string adapter = Path.Combine(_dir.Path, "a");
        RandomLoraWriter.Write(adapter, Model.Decoder with { Hidden = 48 }, new RandomLoraSpec());
        var error = Assert.Throws<InvalidDataException>(() =>
            ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 8, Threads = 1, LoraModules = [new LoraModule("sql", adapter)] }));
        Assert.Contains($"LoRA adapter 'sql' ({adapter})", error.Message);
        Assert.Contains("mlp.down_proj.lora_B.weight' has shape [48, 8], expected [32, 8]", error.Message);
    }

    [Fact]
    public void Load_AdapterNamedAsTheModel_Fails()
    {
        string adapter = Path.Combine(_dir.Path, "a");
        RandomLoraWriter.Write(adapter, ModelPath, new RandomLoraSpec());
        var error = Assert.Throws<ArgumentException>(() =>
            ModelRunner.Load(ModelPath, new ModelRunnerOptions { NumBlocks = 8, Threads = 1, LoraModules = [new LoraModule("base", adapter)] }));
        Assert.Contains("'base' is the served model name", error.Message);
    }
}

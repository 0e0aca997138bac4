using Inference.Cli.Tests.Support;
using Inference.Testing.Checkpoints;
using Worker.Runtime;
using Worker.Runtime.Lora;

namespace Inference.Cli.Tests.WorkerGguf;

/// <summary>
/// A LoRA adapter over a GGUF base computes what it computes over the safetensors folder: its rows are the Hugging
/// Face order in both (the llama file's permuted Q and K rows come back to it at load), so the same B rows apply.
/// </summary>
[Collection(TinyFamilyGgufsCollection.Name)]
public sealed class GgufLoraTests(TinyFamilyGgufs models) : IDisposable
{
    /// <summary>The F32 file holds the BF16 weights exactly (GgufModelLoadTests measured 0), so only the matmul paths differ.</summary>
    private const float Tolerance = 1e-4f;

    private static readonly int[] Prompt = [40, 1079, 264, 1045, 99, 2182, 13, 576];
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.DenseArchitectures), MemberType = typeof(TinyFamilyGgufs))]
    public void F32Gguf_WithAdapter_LogitsEqualTheSafetensorsRunWithIt(string arch)
    {
        string adapter = _directory.File("adapter-" + arch);
        RandomLoraWriter.Write(adapter, models.Folder(arch), new RandomLoraSpec(Seed: 5));
        var options = new ModelRunnerOptions { NumBlocks = 64, Threads = 2, LoraModules = [new LoraModule("a", adapter)] };
        using var folder = ModelRunner.Load(models.Folder(arch), options);
        using var gguf = ModelRunner.Load(models.Gguf(arch, "f32"), options);

        var expected = folder.ComputeLogits(Prompt, "a");
        var actual = gguf.ComputeLogits(Prompt, "a");
        float difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        float adapterEffect = expected.Zip(folder.ComputeLogits(Prompt), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= Tolerance, $"{arch}: max |Δlogit| {difference} > {Tolerance}");
        Assert.True(adapterEffect > 100 * Tolerance, $"{arch}: the adapter moves logits by only {adapterEffect}");
    }
}

using Inference.Cli.Gguf;
using Inference.Cli.Tests.Support;
using Inference.Testing.Checkpoints;
using Worker.Runtime;

namespace Inference.Cli.Tests.WorkerGguf;

/// <summary>
/// A checkpoint with its own lm_head is a GGUF file with output.weight, which the worker reads as the LM head: the
/// folder's logits (F32 holds the BF16 weights exactly; the bound leaves room only for the kernels' summation order).
/// </summary>
public sealed class GgufUntiedOutputTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void UntiedOutput_GivesTheSafetensorsLogits()
    {
        string folder = _directory.File("untied");
        RandomCheckpointWriter.Write(folder, RandomModelSpec.FromPreset("tiny", 0) with { TieWordEmbeddings = false });
        string gguf = _directory.File("untied.gguf");
        HfToGgufConverter.Convert(folder, gguf, GgufOutputType.F32);
        int[] prompt = [40, 1079, 264, 1045, 99, 2182, 13, 576];

        using var expected = ModelRunner.Load(folder, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });
        using var actual = ModelRunner.Load(gguf, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });

        float difference = expected.ComputeLogits(prompt).Zip(actual.ComputeLogits(prompt), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= 1e-5f, $"max |Δlogit| {difference}");
    }

    public void Dispose() => _directory.Dispose();
}

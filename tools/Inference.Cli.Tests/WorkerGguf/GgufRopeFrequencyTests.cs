using Inference.Cli.Gguf;
using Inference.Cli.Tests.Support;
using Inference.Testing.Checkpoints;
using Worker.Runtime;

namespace Inference.Cli.Tests.WorkerGguf;

/// <summary>
/// Llama 3.1's rope_scaling "llama3" travels in a GGUF file as the rope_freqs.weight factors; the worker divides its
/// frequencies by them and runs the model the safetensors folder (transformers' llama3 rule) holds.
/// </summary>
public sealed class GgufRopeFrequencyTests : IDisposable
{
    /// <summary>
    /// The factors are computed in double and stored in fp32, so each frequency can differ from transformers' fp32 blend
    /// by an ulp; over 8 positions that moves the logits by orders of magnitude less than this bound.
    /// </summary>
    private const float Tolerance = 1e-4f;

    private readonly TemporaryDirectory _directory = new();

    [Fact]
    public void Llama3RopeScaling_FromRopeFreqs_GivesTheSafetensorsLogits()
    {
        string folder = _directory.File("llama3");
        RandomCheckpointWriter.Write(folder, RandomModelSpec.FromPreset("tiny", 0) with
        {
            Family = CheckpointFamily.Llama,
            RopeScaling = RandomRopeScaling.Parse("llama3:8"),
        });
        string gguf = _directory.File("llama3.gguf");
        HfToGgufConverter.Convert(folder, gguf, GgufOutputType.F32);
        int[] prompt = [40, 1079, 264, 1045, 99, 2182, 13, 576];

        using var expected = ModelRunner.Load(folder, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });
        using var actual = ModelRunner.Load(gguf, new ModelRunnerOptions { NumBlocks = 64, Threads = 2 });
        float difference = expected.ComputeLogits(prompt).Zip(actual.ComputeLogits(prompt), (a, b) => Math.Abs(a - b)).Max();

        Assert.True(difference <= Tolerance, $"max |Δlogit| {difference} exceeds {Tolerance}");
    }

    public void Dispose() => _directory.Dispose();
}

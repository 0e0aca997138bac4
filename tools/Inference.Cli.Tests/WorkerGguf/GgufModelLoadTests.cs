using Inference.Cli.Tests.Support;
using Worker.Runtime;
using Worker.Runtime.Ops.Quantization;

namespace Inference.Cli.Tests.WorkerGguf;

/// <summary>
/// The worker loads a GGUF file directly and runs the model the safetensors folder holds: the same greedy ids and
/// last-position logits, for each architecture (the llama file's Q and K rows come back from llama.cpp's order).
/// </summary>
[Collection(TinyFamilyGgufsCollection.Name)]
public sealed class GgufModelLoadTests(TinyFamilyGgufs models)
{
    /// <summary>
    /// The F32 and BF16 files hold the BF16 weights exactly, the F16 file all but the few below F16's normal range, and llama.cpp's
    /// Q8_0 file the blocks the worker's own quantizer makes. Measured max |Δlogit| (all 151936 logits at the last of 8
    /// positions): F32 0, BF16 0, F16 2.4e-7, Q8_0 0, for each architecture.
    /// </summary>
    private const float ExactTolerance = 1e-5f;

    private static readonly int[] Prompt = [40, 1079, 264, 1045, 99, 2182, 13, 576];

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public async Task F32Gguf_GreedyIds_EqualTheSafetensorsRun(string arch)
    {
        using var folder = Load(models.Folder(arch));
        using var gguf = Load(models.Gguf(arch, "f32"));

        Assert.Equal(await OurEngine.GreedyAsync(folder, Prompt, 8), await OurEngine.GreedyAsync(gguf, Prompt, 8));
    }

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void F32Gguf_Logits_EqualTheSafetensorsRun(string arch) =>
        AssertLogitsClose(models.Folder(arch), models.Gguf(arch, "f32"), WeightQuantization.None, ExactTolerance);

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void F16Gguf_Logits_EqualTheSafetensorsRun(string arch) =>
        AssertLogitsClose(models.Folder(arch), models.Gguf(arch, "f16"), WeightQuantization.None, ExactTolerance);

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void Bf16Gguf_Logits_EqualTheSafetensorsRun(string arch) =>
        AssertLogitsClose(models.Folder(arch), models.Gguf(arch, "bf16"), WeightQuantization.None, ExactTolerance);

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void Bf16Gguf_IsHeldAsBf16(string arch)
    {
        using var gguf = Load(models.Gguf(arch, "bf16"));

        Assert.Equal("bf16", gguf.WeightType);
    }

    /// <summary>llama.cpp's Q8_0 blocks and the worker's own (the same rule, from the same values) are the same blocks.</summary>
    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void Q8_0Gguf_Logits_EqualTheWorkersOwnQ8_0Run(string arch) =>
        AssertLogitsClose(models.Folder(arch), models.Gguf(arch, "q8_0"), WeightQuantization.Q8_0, ExactTolerance);

    [Theory]
    [MemberData(nameof(TinyFamilyGgufs.Architectures), MemberType = typeof(TinyFamilyGgufs))]
    public void Q8_0Gguf_IsHeldAsQ8_0(string arch)
    {
        using var gguf = Load(models.Gguf(arch, "q8_0"));

        Assert.Equal("q8_0", gguf.WeightType);
    }

    private static void AssertLogitsClose(string folderPath, string ggufPath, WeightQuantization folderQuantization, float tolerance)
    {
        using var folder = Load(folderPath, folderQuantization);
        using var gguf = Load(ggufPath);
        var expected = folder.ComputeLogits(Prompt);
        var actual = gguf.ComputeLogits(Prompt);

        Assert.Equal(expected.Length, actual.Length);
        float difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference <= tolerance, $"max |Δlogit| {difference} exceeds {tolerance}");
    }

    private static ModelRunner Load(string path, WeightQuantization quantization = WeightQuantization.None) =>
        ModelRunner.Load(path, new ModelRunnerOptions { NumBlocks = 64, Threads = 2, Quantization = quantization });
}

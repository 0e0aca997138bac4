using Inference.Cli.Commands;
using Inference.Cli.Gguf;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Tests.Support;

/// <summary>
/// A random Qwen2 checkpoint whose rows are whole k-quant super-blocks (hidden 256, intermediate 512: llama.cpp falls
/// back to other types for rows that are not multiples of 256), its F32 GGUF, and llama.cpp's quantizations of it in
/// the types people download: q8_0, q6_k, q5_k_m, q4_k_m, q5_0 and q4_0; and a Qwen3-MoE of the same widths in q4_k_m.
/// </summary>
public sealed class QuantizedGgufs : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public QuantizedGgufs()
    {
        Folder = _directory.File("model");
        RandomCheckpointWriter.Write(Folder, new RandomModelSpec(256, 512, 2, 4, 2, TieWordEmbeddings: false, Std: 0.05, Seed: 3));
        F32 = _directory.File("model-f32.gguf");
        HfToGgufConverter.Convert(Folder, F32, GgufOutputType.F32);
        foreach (var type in Types)
        {
            ConvertGgufCommand.Convert(Folder, Gguf(type), type, threads: 2);
        }

        // A Qwen3-MoE of the same widths: its experts stacked per projection in one Q4_K tensor each.
        MoeFolder = _directory.File("moe");
        var moe = new RandomModelSpec(256, 1024, 2, 4, 2, TieWordEmbeddings: false, Std: 0.05, Seed: 4, Family: CheckpointFamily.Qwen3Moe, ExplicitHeadDim: 64);
        RandomCheckpointWriter.Write(MoeFolder, moe with { Experts = RandomModelSpec.DefaultExperts(CheckpointFamily.Qwen3Moe, 1024) });
        MoeF32 = _directory.File("moe-f32.gguf");
        HfToGgufConverter.Convert(MoeFolder, MoeF32, GgufOutputType.F32);
        ConvertGgufCommand.Convert(MoeFolder, MoeQ4KM, "q4_k_m", threads: 2);
    }

    /// <summary>The mixture of experts' safetensors folder, its F32 GGUF and llama.cpp's Q4_K_M of it.</summary>
    public string MoeFolder { get; }

    public string MoeF32 { get; }

    public string MoeQ4KM => _directory.File("moe-q4_k_m.gguf");

    public static IReadOnlyList<string> Types { get; } = ["q8_0", "q6_k", "q5_k_m", "q4_k_m", "q5_0", "q4_0"];

    public static TheoryData<string> TypeNames() => new(Types);

    public string Folder { get; }

    public string F32 { get; }

    public string Gguf(string type) => _directory.File($"model-{type}.gguf");

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class QuantizedGgufsCollection : ICollectionFixture<QuantizedGgufs>
{
    public const string Name = "a checkpoint in llama.cpp's quantized GGUF types";
}

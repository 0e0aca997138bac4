using Inference.Cli.Commands;
using Inference.Cli.Gguf;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Tests.Support;

/// <summary>
/// A random Qwen2 checkpoint whose rows are whole k-quant super-blocks (hidden 256, intermediate 512: llama.cpp falls
/// back to other types for rows that are not multiples of 256), its F32 GGUF, and llama.cpp's quantizations of it in
/// the types people download: q4_0, q5_0, q4_k_m, q5_k_m and q6_k.
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
    }

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

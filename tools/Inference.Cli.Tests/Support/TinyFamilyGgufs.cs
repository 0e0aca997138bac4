using Inference.Cli.Gguf;
using Inference.Cli.LlamaCpp;
using Inference.Testing.Checkpoints;

namespace Inference.Cli.Tests.Support;

/// <summary>
/// The tiny seed-0 random checkpoint of each architecture (qwen2, qwen3, llama, qwen3_moe, qwen2_moe; BF16 safetensors)
/// and its GGUF files,
/// written once for the tests that share this fixture: F32 and F16 by our converter, Q8_0 by llama.cpp's quantizer
/// from the F32 file.
/// </summary>
public sealed class TinyFamilyGgufs : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);

    public TinyFamilyGgufs()
    {
        foreach (string arch in Names)
        {
            string folder = _directory.File(arch);
            RandomCheckpointWriter.Write(folder, RandomModelSpec.FromPreset("tiny", 0).ForFamily(CheckpointFamilyTraits.Parse(arch)));
            _folders[arch] = folder;
            HfToGgufConverter.Convert(folder, Gguf(arch, "f32"), GgufOutputType.F32);
            HfToGgufConverter.Convert(folder, Gguf(arch, "f16"), GgufOutputType.F16);
            HfToGgufConverter.Convert(folder, Gguf(arch, "bf16"), GgufOutputType.BF16);
            LlamaCppQuantizer.ToQ8_0(Gguf(arch, "f32"), Gguf(arch, "q8_0"), threads: 2);
        }
    }

    public static IReadOnlyList<string> Names { get; } = ["qwen2", "qwen3", "llama", "qwen3_moe", "qwen2_moe"];

    public static TheoryData<string> Architectures() => new(Names);

    /// <summary>The dense architectures: LoRA adapters of every projection apply to them (a MoE's experts take none).</summary>
    public static TheoryData<string> DenseArchitectures() => new(Names.Where(n => !n.EndsWith("_moe", StringComparison.Ordinal)));

    /// <summary>The safetensors folder of an architecture.</summary>
    public string Folder(string arch) => _folders[arch];

    /// <summary>The GGUF file of an architecture in a type: f32, f16, bf16 or q8_0.</summary>
    public string Gguf(string arch, string type) => _directory.File($"{arch}-{type}.gguf");

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TinyFamilyGgufsCollection : ICollectionFixture<TinyFamilyGgufs>
{
    public const string Name = "tiny checkpoints of each architecture, with GGUF files";
}

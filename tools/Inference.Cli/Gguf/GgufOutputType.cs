using Inference.Gguf;

namespace Inference.Cli.Gguf;

/// <summary>The element type the converter writes matrices in; vectors (norms, biases) stay F32 as llama.cpp's converter keeps them.</summary>
public enum GgufOutputType
{
    F32,
    F16,
    BF16,
}

public static class GgufOutputTypes
{
    public static IReadOnlyList<string> Names { get; } = ["f32", "f16", "bf16"];

    /// <exception cref="ArgumentException">The name is not f32, f16 or bf16.</exception>
    public static GgufOutputType Parse(string name) => name switch
    {
        "f32" => GgufOutputType.F32,
        "f16" => GgufOutputType.F16,
        "bf16" => GgufOutputType.BF16,
        _ => throw new ArgumentException($"GGUF output type '{name}' is not one of {string.Join(", ", Names)}.", nameof(name)),
    };

    public static GgmlType MatrixType(this GgufOutputType type) => type switch
    {
        GgufOutputType.F32 => GgmlType.F32,
        GgufOutputType.F16 => GgmlType.F16,
        _ => GgmlType.BF16,
    };

    public static GgufFileType FileType(this GgufOutputType type) => type switch
    {
        GgufOutputType.F32 => GgufFileType.AllF32,
        GgufOutputType.F16 => GgufFileType.MostlyF16,
        _ => GgufFileType.MostlyBF16,
    };
}

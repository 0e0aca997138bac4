namespace Inference.Gguf;

/// <summary>general.file_type: the type most tensors of the file have (llama_ftype).</summary>
public enum GgufFileType : uint
{
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ8_0 = 7,
    MostlyBF16 = 32,
}

namespace Inference.Gguf;

/// <summary>The element type of a tensor (ggml_type), as stored in the tensor info. Only the ones this project uses.</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,

    /// <summary>Blocks of 32 int8 weights with one fp16 scale (34 bytes a block).</summary>
    Q8_0 = 8,
    BF16 = 30,
}

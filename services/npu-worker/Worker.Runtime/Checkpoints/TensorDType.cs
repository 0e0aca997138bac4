using Inference.Gguf;

namespace Worker.Runtime.Checkpoints;

/// <summary>Element types the loader reads.</summary>
public enum TensorDType
{
    BF16,
    F16,
    F32,

    /// <summary>ggml's Q8_0 (GGUF files only): each row in blocks of an fp16 scale then 32 int8 values, 34 bytes a block.</summary>
    Q8_0,

    /// <summary>ggml's other block types (GGUF files only, <see cref="GgmlBlocks"/>): dequantized when read, never computed with as they are.</summary>
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q4_K,
    Q5_K,
    Q6_K,
}

public static class TensorDTypeExtensions
{
    /// <summary>The ggml block type of a quantized element type; null for BF16, F16 and F32.</summary>
    public static GgmlType? BlockType(this TensorDType dtype) => dtype switch
    {
        TensorDType.Q8_0 => GgmlType.Q8_0,
        TensorDType.Q4_0 => GgmlType.Q4_0,
        TensorDType.Q4_1 => GgmlType.Q4_1,
        TensorDType.Q5_0 => GgmlType.Q5_0,
        TensorDType.Q5_1 => GgmlType.Q5_1,
        TensorDType.Q4_K => GgmlType.Q4_K,
        TensorDType.Q5_K => GgmlType.Q5_K,
        TensorDType.Q6_K => GgmlType.Q6_K,
        _ => null,
    };
}

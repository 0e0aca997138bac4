namespace Inference.Gguf;

/// <summary>The element type of a tensor (ggml_type), as stored in the tensor info. Only the ones this project uses.</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,

    /// <summary>Blocks of 32 4-bit weights with one fp16 scale (18 bytes a block): x = (q - 8) d.</summary>
    Q4_0 = 2,

    /// <summary>Blocks of 32 4-bit weights with an fp16 scale and minimum (20 bytes): x = q d + m.</summary>
    Q4_1 = 3,

    /// <summary>Blocks of 32 5-bit weights with one fp16 scale (22 bytes): x = (q - 16) d.</summary>
    Q5_0 = 6,

    /// <summary>Blocks of 32 5-bit weights with an fp16 scale and minimum (24 bytes): x = q d + m.</summary>
    Q5_1 = 7,

    /// <summary>Blocks of 32 int8 weights with one fp16 scale (34 bytes a block).</summary>
    Q8_0 = 8,

    /// <summary>Super-blocks of 256 4-bit weights in 8 groups of 32, each with a 6-bit scale and minimum (144 bytes).</summary>
    Q4_K = 12,

    /// <summary>Super-blocks of 256 5-bit weights in 8 groups of 32, each with a 6-bit scale and minimum (176 bytes).</summary>
    Q5_K = 13,

    /// <summary>Super-blocks of 256 6-bit weights in 16 groups of 16, each with an 8-bit scale (210 bytes).</summary>
    Q6_K = 14,
    BF16 = 30,
}

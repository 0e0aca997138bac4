namespace Inference.Gguf;

/// <summary>How many elements one block of a type holds and how many bytes it takes (ggml's type traits).</summary>
public static class GgmlTypeSize
{
    public static int BlockElements(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => 1,
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 => 32,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => 256,
        _ => throw Unknown(type),
    };

    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q4_0 => 2 + 16,
        GgmlType.Q4_1 => 2 + 2 + 16,
        GgmlType.Q5_0 => 2 + 4 + 16,
        GgmlType.Q5_1 => 2 + 2 + 4 + 16,
        GgmlType.Q8_0 => 2 + 32,
        GgmlType.Q4_K => 2 + 2 + 12 + 128,
        GgmlType.Q5_K => 2 + 2 + 12 + 32 + 128,
        GgmlType.Q6_K => 128 + 64 + 16 + 2,
        _ => throw Unknown(type),
    };

    /// <summary>Bytes of a tensor whose innermost dimension (ne[0]) is <paramref name="rowLength"/>.</summary>
    /// <exception cref="InvalidDataException">The row length is not a whole number of blocks.</exception>
    public static long TensorBytes(GgmlType type, long rowLength, long rows)
    {
        int block = BlockElements(type);
        if (rowLength % block != 0)
        {
            throw new InvalidDataException($"A {type} tensor row must be a multiple of {block} elements, got {rowLength}.");
        }

        return rowLength / block * BlockBytes(type) * rows;
    }

    private static InvalidDataException Unknown(GgmlType type) =>
        new($"ggml type {(uint)type} is not one this project reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K).");
}

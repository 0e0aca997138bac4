using System.Buffers.Binary;
using Google.Protobuf;

namespace Inference.Contracts.Mapping;

/// <summary>float32 values as the contracts carry them in bytes fields (prompt embeddings): little-endian, in order.</summary>
public static class FloatBytes
{
    public static ByteString ToByteString(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return ByteString.CopyFrom(bytes);
    }

    /// <exception cref="InvalidDataException">The length is not a whole number of float32 values.</exception>
    public static float[] ToFloats(ByteString bytes)
    {
        var span = bytes.Span;
        if (span.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"{span.Length} bytes are not a whole number of float32 values.");
        }

        var values = new float[span.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(i * sizeof(float))..]);
        }

        return values;
    }
}

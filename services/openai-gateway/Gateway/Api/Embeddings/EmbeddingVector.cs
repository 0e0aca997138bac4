using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Api.Embeddings;

/// <summary>One embedding as the request's <c>encoding_format</c> writes it: an array of numbers or a base64 string.</summary>
[JsonConverter(typeof(EmbeddingVectorJsonConverter))]
public sealed record EmbeddingVector(float[] Values, EmbeddingEncoding Encoding);

/// <summary>
/// Writes an <see cref="EmbeddingVector"/>: floats as their shortest round-trip text (a client parsing them as float32
/// gets the exact values); base64 as the values' bytes in the asked type (torch's rounding: float32 → float16,
/// bfloat16 or an 8-bit float to nearest even) and byte order (one-byte types have none), little-endian by default whatever this machine's order, as OpenAI's SDKs
/// decode them (numpy's <c>frombuffer(dtype="float32")</c>, .NET's <c>MemoryMarshal.Cast</c>).
/// </summary>
public sealed class EmbeddingVectorJsonConverter : JsonConverter<EmbeddingVector>
{
    public override EmbeddingVector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Embeddings are only written.");

    public override void Write(Utf8JsonWriter writer, EmbeddingVector value, JsonSerializerOptions options)
    {
        if (value.Encoding.Base64)
        {
            writer.WriteBase64StringValue(Bytes(value.Values, value.Encoding));
            return;
        }

        writer.WriteStartArray();
        foreach (var number in value.Values)
        {
            writer.WriteNumberValue(number);
        }

        writer.WriteEndArray();
    }

    /// <summary>The values in the encoding's binary type and byte order.</summary>
    public static byte[] Bytes(float[] values, EmbeddingEncoding encoding)
    {
        var size = encoding.DType switch
        {
            EmbedDType.Float32 => sizeof(float),
            EmbedDType.Float16 or EmbedDType.BFloat16 => sizeof(ushort),
            _ => sizeof(byte),
        };
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            var target = bytes.AsSpan(i * size, size);
            switch (encoding.DType, encoding.BigEndian)
            {
                case (EmbedDType.Float32, false):
                    BinaryPrimitives.WriteSingleLittleEndian(target, values[i]);
                    break;
                case (EmbedDType.Float32, true):
                    BinaryPrimitives.WriteSingleBigEndian(target, values[i]);
                    break;
                case (EmbedDType.Float16, false):
                    BinaryPrimitives.WriteHalfLittleEndian(target, (Half)values[i]);
                    break;
                case (EmbedDType.Float16, true):
                    BinaryPrimitives.WriteHalfBigEndian(target, (Half)values[i]);
                    break;
                case (EmbedDType.BFloat16, false):
                    BinaryPrimitives.WriteUInt16LittleEndian(target, ToBFloat16Bits(values[i]));
                    break;
                case (EmbedDType.BFloat16, true):
                    BinaryPrimitives.WriteUInt16BigEndian(target, ToBFloat16Bits(values[i]));
                    break;
                case (EmbedDType.Fp8E4M3, _):
                    target[0] = Float8.ToE4M3FnBits(values[i]);
                    break;
                case (EmbedDType.Fp8E5M2, _):
                    target[0] = Float8.ToE5M2Bits(values[i]);
                    break;
            }
        }

        return bytes;
    }

    /// <summary>The bfloat16 nearest a float32 (ties to even), as torch rounds it; NaN stays a quiet NaN.</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}

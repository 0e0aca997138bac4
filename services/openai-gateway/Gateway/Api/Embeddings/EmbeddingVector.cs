using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Api.Embeddings;

/// <summary>One embedding as the request's <c>encoding_format</c> writes it: an array of numbers or a base64 string.</summary>
[JsonConverter(typeof(EmbeddingVectorJsonConverter))]
public sealed record EmbeddingVector(float[] Values, EmbeddingEncoding Encoding);

/// <summary>
/// Writes an <see cref="EmbeddingVector"/>: floats as their shortest round-trip text (a client parsing them as float32
/// gets the exact values), base64 as the float32 bytes in little-endian order whatever this machine's order, as
/// OpenAI's SDKs decode them (numpy's <c>frombuffer(dtype="float32")</c>, .NET's <c>MemoryMarshal.Cast</c>).
/// </summary>
public sealed class EmbeddingVectorJsonConverter : JsonConverter<EmbeddingVector>
{
    public override EmbeddingVector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Embeddings are only written.");

    public override void Write(Utf8JsonWriter writer, EmbeddingVector value, JsonSerializerOptions options)
    {
        if (value.Encoding == EmbeddingEncoding.Base64)
        {
            writer.WriteBase64StringValue(LittleEndianBytes(value.Values));
            return;
        }

        writer.WriteStartArray();
        foreach (var number in value.Values)
        {
            writer.WriteNumberValue(number);
        }

        writer.WriteEndArray();
    }

    private static byte[] LittleEndianBytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }
}

using Gateway.Api.Json;

namespace Gateway.Api.Embeddings;

/// <summary>
/// How an embeddings answer writes each embedding: OpenAI's <c>encoding_format</c> (a JSON array of numbers, or base64),
/// and for base64 vLLM's <c>embed_dtype</c> and <c>endianness</c> (the numbers are float32 values either way).
/// </summary>
/// <param name="Base64">Base64 of the values' bytes (what OpenAI's SDKs ask for by default and decode); else numbers.</param>
/// <param name="DType">The binary type of each value in base64.</param>
/// <param name="BigEndian">Base64 bytes in big-endian order; else little-endian (vLLM's "native" on every machine it runs on).</param>
public sealed record EmbeddingEncoding(bool Base64, EmbedDType DType = EmbedDType.Float32, bool BigEndian = false)
{
    public static EmbeddingEncoding Float { get; } = new(Base64: false);

    /// <summary>Reads encoding_format, embed_dtype and endianness (the field table has checked their values).</summary>
    public static EmbeddingEncoding Read(RequestFields fields) => new(
        fields.String("encoding_format") == "base64",
        fields.String("embed_dtype") switch
        {
            "float16" => EmbedDType.Float16,
            "bfloat16" => EmbedDType.BFloat16,
            "fp8_e4m3" => EmbedDType.Fp8E4M3,
            "fp8_e5m2" => EmbedDType.Fp8E5M2,
            _ => EmbedDType.Float32,
        },
        fields.String("endianness") == "big");
}

/// <summary>vLLM's <c>embed_dtype</c>: the type each value of a base64 embedding is written in, rounded to nearest even.</summary>
public enum EmbedDType
{
    Float32,
    Float16,
    BFloat16,

    /// <summary>torch.float8_e4m3fn (<see cref="Float8.ToE4M3FnBits"/>): one byte a value.</summary>
    Fp8E4M3,

    /// <summary>torch.float8_e5m2 (<see cref="Float8.ToE5M2Bits"/>): one byte a value.</summary>
    Fp8E5M2,
}

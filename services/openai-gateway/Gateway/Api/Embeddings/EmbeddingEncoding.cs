namespace Gateway.Api.Embeddings;

/// <summary>How an embeddings answer writes each embedding (OpenAI's <c>encoding_format</c>).</summary>
public enum EmbeddingEncoding
{
    /// <summary>A JSON array of numbers.</summary>
    Float,

    /// <summary>The float32 values, little-endian, base64-encoded: what OpenAI's SDKs ask for by default and decode.</summary>
    Base64,
}

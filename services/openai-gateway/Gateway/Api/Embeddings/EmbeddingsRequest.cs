using Gateway.Api.Fields;
using Gateway.Api.Json;

namespace Gateway.Api.Embeddings;

/// <summary>A validated <c>POST /v1/embeddings</c> body.</summary>
/// <param name="Inputs">The inputs and the fields every pooling endpoint reads alike.</param>
/// <param name="Encoding">How the answer writes each embedding.</param>
/// <param name="Dimensions">Keep the first Dimensions values (matryoshka models only, as the engine checks); null keeps all.</param>
/// <param name="Normalize">vLLM's normalize; null takes the model's default.</param>
public sealed record EmbeddingsRequest(PoolingInputs Inputs, EmbeddingEncoding Encoding, int? Dimensions, bool? Normalize)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static EmbeddingsRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Embeddings);
        return new EmbeddingsRequest(
            PoolingInputs.Read(fields, trustRequestTemplate),
            EmbeddingEncoding.Read(fields),
            PoolingInputs.ReadDimensions(fields),
            fields.Bool("normalize"));
    }
}

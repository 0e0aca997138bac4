using Gateway.Api.Embeddings;
using Gateway.Api.Fields;
using Gateway.Api.Json;

namespace Gateway.Api.Classification;

/// <summary>A validated <c>POST /classify</c> body (vLLM's ClassificationRequest).</summary>
/// <param name="Inputs">The inputs (as embeddings' input, or messages) and the fields every pooling endpoint reads alike.</param>
/// <param name="UseActivation">vLLM's use_activation: probabilities through the classifier's activation (default), or the raw logits.</param>
public sealed record ClassifyRequest(PoolingInputs Inputs, bool UseActivation)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static ClassifyRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Classify);
        return new ClassifyRequest(PoolingInputs.Read(fields, trustRequestTemplate), fields.Bool("use_activation") ?? true);
    }
}

using Gateway.Api.Embeddings;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Inference.Abstractions.Execution;

namespace Gateway.Api.Pooling;

/// <summary>A validated <c>POST /pooling</c> body (vLLM's PoolingCompletionRequest and PoolingChatRequest).</summary>
/// <param name="Inputs">The inputs (as embeddings' input, or messages) and the fields every pooling endpoint reads alike.</param>
/// <param name="Task">The pooling task asked for; null: the served model's own.</param>
/// <param name="Encoding">How the answer writes each output.</param>
/// <param name="Dimensions">The embed task's matryoshka length; null keeps all.</param>
/// <param name="UseActivation">vLLM's use_activation: the embed task's normalization, the classify task's activation; null: the model's default.</param>
public sealed record PoolingRequest(PoolingInputs Inputs, PoolingTask? Task, EmbeddingEncoding Encoding, int? Dimensions, bool? UseActivation)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static PoolingRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Pool);
        return new PoolingRequest(
            PoolingInputs.Read(fields, trustRequestTemplate),
            fields.String("task") switch
            {
                "embed" => PoolingTask.Embed,
                "classify" => PoolingTask.Classify,
                _ => null,
            },
            EmbeddingEncoding.Read(fields),
            PoolingInputs.ReadDimensions(fields),
            fields.Bool("use_activation"));
    }
}

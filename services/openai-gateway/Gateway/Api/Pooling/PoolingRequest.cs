using Gateway.Api.Embeddings;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Inference.Abstractions.Execution;

namespace Gateway.Api.Pooling;

/// <summary>A validated <c>POST /pooling</c> body (vLLM's PoolingCompletionRequest and PoolingChatRequest).</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Inputs">One prompt per input, as embeddings' input; or one chat prompt (messages).</param>
/// <param name="Task">The pooling task asked for; null: the served model's own.</param>
/// <param name="Encoding">How the answer writes each output.</param>
/// <param name="Dimensions">The embed task's matryoshka length; null keeps all.</param>
/// <param name="UseActivation">vLLM's use_activation: the embed task's normalization, the classify task's activation; null: the model's default.</param>
/// <param name="TruncatePromptTokens">vLLM's truncate_prompt_tokens, per input.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="CacheSalt">vLLM's cache_salt, or null.</param>
public sealed record PoolingRequest(
    string? Model,
    IReadOnlyList<Prompt> Inputs,
    PoolingTask? Task,
    EmbeddingEncoding Encoding,
    int? Dimensions,
    bool? UseActivation,
    int? TruncatePromptTokens,
    int Priority,
    string? RequestId,
    string? CacheSalt)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static PoolingRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Pool);
        var dimensions = fields.Int("dimensions");
        SamplingFields.Require(dimensions is null or >= 1, "dimensions", $"dimensions must be at least 1, got {dimensions}.");
        return new PoolingRequest(
            fields.String("model"),
            EmbeddingsRequest.ReadInputs(fields, trustRequestTemplate),
            fields.String("task") switch
            {
                "embed" => PoolingTask.Embed,
                "classify" => PoolingTask.Classify,
                _ => null,
            },
            EmbeddingEncoding.Read(fields),
            dimensions,
            fields.Bool("use_activation"),
            EmbeddingsRequest.ReadTruncatePromptTokens(fields),
            fields.Int("priority") ?? 0,
            SamplingFields.ReadRequestId(fields),
            SamplingFields.ReadCacheSalt(fields));
    }

    /// <summary>The engine request of input <paramref name="index"/> for <paramref name="task"/>.</summary>
    public EmbeddingRequest ForInput(int index, string requestId, string? loraName, PoolingTask task) => task == PoolingTask.Classify
        ? new(requestId, Inputs[index], Dimensions: null, Normalize: null, TruncatePromptTokens, Priority, CacheSalt, loraName, PoolingTask.Classify)
        : new(requestId, Inputs[index], Dimensions, Normalize: UseActivation, TruncatePromptTokens, Priority, CacheSalt, loraName);
}

using Inference.Abstractions.Execution;
using Gateway.Api.Embeddings;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;

namespace Gateway.Api.Classification;

/// <summary>A validated <c>POST /classify</c> body (vLLM's ClassificationRequest).</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Inputs">One prompt per input, text or token ids, as embeddings' input; or one chat prompt (messages).</param>
/// <param name="TruncatePromptTokens">vLLM's truncate_prompt_tokens, per input.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="CacheSalt">vLLM's cache_salt, or null.</param>
/// <param name="UseActivation">vLLM's use_activation: probabilities through the classifier's activation (default), or the raw logits.</param>
public sealed record ClassifyRequest(
    string? Model,
    IReadOnlyList<Prompt> Inputs,
    int? TruncatePromptTokens,
    int Priority,
    string? RequestId,
    string? CacheSalt,
    bool UseActivation)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static ClassifyRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Classify);
        return new ClassifyRequest(
            fields.String("model"),
            EmbeddingsRequest.ReadInputs(fields, trustRequestTemplate),
            EmbeddingsRequest.ReadTruncatePromptTokens(fields),
            fields.Int("priority") ?? 0,
            SamplingFields.ReadRequestId(fields),
            SamplingFields.ReadCacheSalt(fields),
            fields.Bool("use_activation") ?? true);
    }

    /// <summary>The engine request of input <paramref name="index"/>: the classifier's logits of its prompt.</summary>
    public EmbeddingRequest ForInput(int index, string requestId, string? loraName) =>
        new(requestId, Inputs[index], Dimensions: null, Normalize: null, TruncatePromptTokens, Priority, CacheSalt, loraName, PoolingTask.Classify);
}

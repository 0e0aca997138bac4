using Gateway.Api.Chat;
using Gateway.Api.Json;
using Gateway.Api.Sampling;
using Gateway.Backends;
using Gateway.Observability;
using Inference.Abstractions.Execution;

namespace Gateway.Api.Embeddings;

/// <summary>
/// The fields every endpoint that pools its inputs one by one reads alike (embeddings, classify, pooling), and what it
/// does with them: the model the request names with the answer's id, then one scheduler Embed call per input.
/// </summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Prompts">One prompt per input, text or token ids; or one chat prompt (vLLM's chat-style input, messages).</param>
/// <param name="TruncatePromptTokens">vLLM's truncate_prompt_tokens, per input: the last k tokens, -1 as many as the context holds.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="CacheSalt">vLLM's cache_salt, or null.</param>
public sealed record PoolingInputs(
    string? Model,
    IReadOnlyList<Prompt> Prompts,
    int? TruncatePromptTokens,
    int Priority,
    string? RequestId,
    string? CacheSalt)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static PoolingInputs Read(RequestFields fields, bool trustRequestTemplate) => new(
        fields.String("model"),
        ReadPrompts(fields, trustRequestTemplate),
        ReadTruncatePromptTokens(fields),
        fields.Int("priority") ?? 0,
        SamplingFields.ReadRequestId(fields),
        SamplingFields.ReadCacheSalt(fields));

    /// <summary>
    /// vLLM's truncate_prompt_tokens as every endpoint that pools reads it (embeddings, classify, pooling, score, rerank):
    /// -1 or at least 1. Checked here, not only in the engine, so a request of many prompts is refused once rather than
    /// prompt by prompt.
    /// </summary>
    public static int? ReadTruncatePromptTokens(RequestFields fields)
    {
        var truncate = fields.Int("truncate_prompt_tokens");
        SamplingFields.Require(truncate is null or >= 1 or -1, "truncate_prompt_tokens",
            $"truncate_prompt_tokens must be -1 (as many as the context holds) or at least 1, got {truncate}.");
        return truncate;
    }

    /// <summary>An embedding's dimensions (embeddings, pooling): at least 1, checked here so a request of many inputs is refused once.</summary>
    public static int? ReadDimensions(RequestFields fields)
    {
        var dimensions = fields.Int("dimensions");
        SamplingFields.Require(dimensions is null or >= 1, "dimensions", $"dimensions must be at least 1, got {dimensions}.");
        return dimensions;
    }

    /// <summary>
    /// The model (the request's model must name the served one or one of its LoRA adapters, which then runs every
    /// prompt), the answer's id (<c>{idPrefix}-{request_id}</c>, else a new one) and its creation time.
    /// </summary>
    public static async Task<(ResolvedModel Model, string Id, long Created)> ResolveAsync(
        string idPrefix, string? requestedModel, string? requestId, ServedModel servedModel, CancellationToken cancellationToken)
    {
        var model = await servedModel.ResolveAsync(requestedModel, cancellationToken);
        return (model, RequestIds.Named(idPrefix, requestId) ?? RequestIds.New(idPrefix), RequestIds.UnixNow());
    }

    /// <inheritdoc cref="ResolveAsync(string, string?, string?, ServedModel, CancellationToken)"/>
    public Task<(ResolvedModel Model, string Id, long Created)> ResolveAsync(string idPrefix, ServedModel servedModel, CancellationToken cancellationToken) =>
        ResolveAsync(idPrefix, Model, RequestId, servedModel, cancellationToken);

    /// <summary>
    /// Every input pooled, one Embed call each (<see cref="EmbedCall.RunEachAsync"/>): input i runs as "{id}-{i}", the
    /// first too, as vLLM numbers them, and a refusal of it names input (input[i] in the message).
    /// </summary>
    /// <param name="task">What to pool: an embedding, or a classifier's logits (then no dimensions or normalize).</param>
    /// <param name="dimensions">An embedding's matryoshka length; null keeps all.</param>
    /// <param name="normalize">L2-normalize the embedding; null takes the model's default.</param>
    public Task<EmbeddingResult[]> RunAsync(
        string id,
        ResolvedModel model,
        IGenerationService generation,
        ServedModel servedModel,
        GatewayMetrics metrics,
        CancellationToken cancellationToken,
        PoolingTask task = PoolingTask.Embed,
        int? dimensions = null,
        bool? normalize = null) =>
        EmbedCall.RunEachAsync(
            Prompts.Count,
            index => new EmbeddingRequest(
                $"{id}-{index}", Prompts[index], dimensions, normalize, TruncatePromptTokens, Priority, CacheSalt, model.LoraName, task),
            index => PromptOrigin.Of(EmbeddingInputs.Field, index, Prompts.Count),
            generation, servedModel, metrics, model, cancellationToken);

    /// <summary>
    /// input, or vLLM's chat-style messages (one prompt, rendered with the chat template; add_generation_prompt and
    /// add_special_tokens then default to false, as vLLM's embedding and classification chat requests).
    /// </summary>
    private static IReadOnlyList<Prompt> ReadPrompts(RequestFields fields, bool trustRequestTemplate)
    {
        if (fields.Raw("messages") is null)
        {
            return EmbeddingInputs.Read(fields, fields.Bool("add_special_tokens") ?? true);
        }

        SamplingFields.Require(fields.Raw(EmbeddingInputs.Field) is null, "messages",
            "Send input or messages, not both: messages is one chat-style input rendered with the chat template.");
        return [new ChatPrompt(ChatTemplateFields.Read(fields, trustRequestTemplate, addGenerationPromptByDefault: false))];
    }
}

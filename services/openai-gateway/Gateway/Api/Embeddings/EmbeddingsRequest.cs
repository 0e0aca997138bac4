using Gateway.Api.Chat;
using Gateway.Api.Fields;
using Gateway.Api.Json;
using Gateway.Api.Sampling;

namespace Gateway.Api.Embeddings;

/// <summary>A validated <c>POST /v1/embeddings</c> body.</summary>
/// <param name="Model">The requested model, or null for the served one.</param>
/// <param name="Inputs">One prompt per input, text or token ids; or one chat prompt (vLLM's chat-style input, messages).</param>
/// <param name="Encoding">How the answer writes each embedding.</param>
/// <param name="Dimensions">Keep the first Dimensions values (matryoshka models only, as the engine checks); null keeps all.</param>
/// <param name="Normalize">vLLM's normalize; null takes the model's default.</param>
/// <param name="TruncatePromptTokens">vLLM's truncate_prompt_tokens, per input: the last k tokens, -1 as many as the context holds.</param>
/// <param name="Priority">vLLM's priority extra.</param>
/// <param name="RequestId">vLLM's request_id, or null.</param>
/// <param name="CacheSalt">vLLM's cache_salt, or null.</param>
public sealed record EmbeddingsRequest(
    string? Model,
    IReadOnlyList<Prompt> Inputs,
    EmbeddingEncoding Encoding,
    int? Dimensions,
    bool? Normalize,
    int? TruncatePromptTokens,
    int Priority,
    string? RequestId,
    string? CacheSalt)
{
    /// <param name="trustRequestTemplate">Gateway:TrustRequestChatTemplate, for messages' chat_template.</param>
    public static EmbeddingsRequest Read(RequestFields fields, bool trustRequestTemplate = false)
    {
        ApiFieldTable.Enforce(fields, ApiEndpoints.Embeddings);
        var inputs = ReadInputs(fields, trustRequestTemplate);
        // Checked here, not only in the engine, so a request of many inputs is refused once rather than input by input.
        var dimensions = fields.Int("dimensions");
        SamplingFields.Require(dimensions is null or >= 1, "dimensions", $"dimensions must be at least 1, got {dimensions}.");
        var truncate = ReadTruncatePromptTokens(fields);

        return new EmbeddingsRequest(
            fields.String("model"),
            inputs,
            EmbeddingEncoding.Read(fields),
            dimensions,
            fields.Bool("normalize"),
            truncate,
            fields.Int("priority") ?? 0,
            SamplingFields.ReadRequestId(fields),
            SamplingFields.ReadCacheSalt(fields));
    }

    /// <summary>
    /// input, or vLLM's chat-style messages (one prompt, rendered with the chat template; add_generation_prompt and
    /// add_special_tokens then default to false, as vLLM's embedding and classification chat requests): what every
    /// endpoint that pools its inputs one by one (embeddings, classify) reads.
    /// </summary>
    public static IReadOnlyList<Prompt> ReadInputs(RequestFields fields, bool trustRequestTemplate)
    {
        if (fields.Raw("messages") is null)
        {
            return EmbeddingInputs.Read(fields, fields.Bool("add_special_tokens") ?? true);
        }

        SamplingFields.Require(fields.Raw(EmbeddingInputs.Field) is null, "messages",
            "Send input or messages, not both: messages is one chat-style input rendered with the chat template.");
        return [new ChatPrompt(ChatTemplateFields.Read(fields, trustRequestTemplate, addGenerationPromptByDefault: false))];
    }

    /// <summary>
    /// vLLM's truncate_prompt_tokens as every endpoint that embeds reads it (embeddings, score, rerank): -1 or at least
    /// 1. Checked here, not only in the engine, so a request of many prompts is refused once rather than prompt by prompt.
    /// </summary>
    public static int? ReadTruncatePromptTokens(RequestFields fields)
    {
        var truncate = fields.Int("truncate_prompt_tokens");
        SamplingFields.Require(truncate is null or >= 1 or -1, "truncate_prompt_tokens",
            $"truncate_prompt_tokens must be -1 (as many as the context holds) or at least 1, got {truncate}.");
        return truncate;
    }

    /// <summary>The engine request of input <paramref name="index"/>, run under <paramref name="requestId"/> with the LoRA
    /// adapter <paramref name="loraName"/> (null: the base model).</summary>
    public EmbeddingRequest ForInput(int index, string requestId, string? loraName) =>
        new(requestId, Inputs[index], Dimensions, Normalize, TruncatePromptTokens, Priority, CacheSalt, loraName);
}
